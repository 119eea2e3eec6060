#!/usr/bin/env python3
"""What the run dir's files cost a task's own process (bench/README.md, session 5).

Spawns the benchmark's nu task (bench/nulib/bench/dag.nu mark, through a copy of ProcessRunner.nuWrapper) 200
times in each of three layouts, in alternating blocks of 20, and prints the median and mean CPU time of the child
(user + system, from wait4):
  orch       as the daemon starts it: a fresh run dir (cwd, exit file, result.json), stdout.log and stderr.log;
  orchnolog  the same without the two log files (output to /dev/null);
  base       as the baseline runner starts it: output to /dev/null, result files in one dir, one shared exit file.
Usage: python3 bench/child-files.py [P [SLEEP_MS]]   (uses tools/.../nu, or $PROVISIONING_NUSHELL_BINARY; work dir
under bench/target). With P > 1, the blocks are 10 x P tasks, each block run P tasks at a time (each sleeping
SLEEP_MS, default 0), as the DAG benchmark's flat 500 at P = 8 does with `python3 bench/child-files.py 8 50`.
"""
import os, time, sys, json, tempfile, threading
root=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
nu=os.environ.get('PROVISIONING_NUSHELL_BINARY', os.path.join(root, 'tools/node_modules/@nushell/linux-x64/bin/nu'))
os.makedirs(os.path.join(root, 'bench/target'), exist_ok=True)
base=tempfile.mkdtemp(prefix='child-files-', dir=os.path.join(root, 'bench/target'))
lib=os.path.join(root, 'bench/nulib')
module=lib+'/bench/dag.nu'
wrapper=("use '"+module+"' [mark]\n"
 "let r = try { mark ($env.PROVISIONING_PARAMS | from json) } catch {|e| print -e $e.rendered; \"1\\n\" | save -f ($env.PROVISIONING_RUN_DIR | path join exit); exit 1 }\n"
 "$r | to json -r | save -f $env.PROVISIONING_RESULT_FILE\n"
 "\"0\\n\" | save -f ($env.PROVISIONING_RUN_DIR | path join exit)\n"
 "exit 0\n")
os.makedirs(base+'/markers'); os.makedirs(base+'/results')
P=int(sys.argv[1]) if len(sys.argv)>1 else 1
SLEEP=int(sys.argv[2]) if len(sys.argv)>2 else 0
def run(mode, i):
    env=dict(os.environ); env['NU_LIB_DIRS']=lib
    tid='t%d'%i
    env['PROVISIONING_PARAMS']=json.dumps({"id":tid,"marker":base+'/markers/'+mode+tid,"sleep_ms":SLEEP})
    if mode=='orch':
        d=f'{base}/runs/{tid}.1'; os.makedirs(d)
        fa=[(os.POSIX_SPAWN_OPEN,1,d+'/stdout.log',os.O_WRONLY|os.O_CREAT|os.O_APPEND,0o600),(os.POSIX_SPAWN_OPEN,2,d+'/stderr.log',os.O_WRONLY|os.O_CREAT|os.O_APPEND,0o600)]
        env['PROVISIONING_RUN_DIR']=d; env['PROVISIONING_RESULT_FILE']=d+'/result.json'; cwd=d
    elif mode=='orchnolog':
        d=f'{base}/runs/{tid}.1'; os.makedirs(d)
        fa=[(os.POSIX_SPAWN_OPEN,1,'/dev/null',os.O_WRONLY,0),(os.POSIX_SPAWN_OPEN,2,'/dev/null',os.O_WRONLY,0)]
        env['PROVISIONING_RUN_DIR']=d; env['PROVISIONING_RESULT_FILE']=d+'/result.json'; cwd=d
    else:
        fa=[(os.POSIX_SPAWN_OPEN,1,'/dev/null',os.O_WRONLY,0),(os.POSIX_SPAWN_OPEN,2,'/dev/null',os.O_WRONLY,0)]
        env['PROVISIONING_RUN_DIR']=base+'/results'; env['PROVISIONING_RESULT_FILE']=base+'/results/'+tid+'.json'; cwd=base
    if P == 1: os.chdir(cwd) # process-wide: with P > 1 every task runs in the work dir (no difference measured at P = 1)
    pid=os.posix_spawn(nu,[nu,'--no-config-file','-c',wrapper],env,file_actions=fa)
    _,st,ru=os.wait4(pid,0)
    assert st==0, st
    return ru.ru_utime+ru.ru_stime
modes=['orch','orchnolog','base']
res={m:[] for m in modes}
os.makedirs(base+'/runs')
counter=iter(range(1, 1_000_000)); take=threading.Lock()
def block(m, n):
    left=[n]
    def worker():
        while True:
            with take:
                if left[0] == 0: return
                left[0]-=1; i=next(counter)
            res[m].append(run(m,i))
    ts=[threading.Thread(target=worker) for _ in range(P)]
    for t in ts: t.start()
    for t in ts: t.join()
for blk in range(10):
    for m in (modes if blk%2==0 else modes[::-1]):
        block(m, 20 if P == 1 else 10 * P) # with P > 1, blocks long enough that most of each runs P at a time
for k,v in res.items():
    v=sorted(v); print(k, 'P=%d: median child cpu ms %.2f mean %.2f'%(P, v[len(v)//2]*1000, sum(v)/len(v)*1000))
os.chdir(root)
# Not deleted: for a minute or more after many deletions, creating files near here costs far more (bench/README.md).
print('kept', base)
