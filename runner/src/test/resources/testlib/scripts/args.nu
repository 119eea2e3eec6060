# A script task: prints its argv as JSON and stores it as the result.
def main [...args: string] {
    print ($args | to json -r)
    {args: $args} | to json | save -f $env.PROVISIONING_RESULT_FILE
}
