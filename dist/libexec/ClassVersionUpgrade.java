// ClassVersionUpgrade IN.jar OUT.jar: copies a jar, rewriting class files older than Java 6 (major < 50) as Java 8
// class files (major 52) with stack maps. Run as a source file: `java dist/libexec/ClassVersionUpgrade.java ...`, on
// JDK 24+ (java.lang.classfile). Why: the JVM's start-up archive (AOT cache, AppCDS) leaves out such old classes,
// and picocli ships as Java 5 class files; see cli/README.md, "Start-up". The code is not changed. Every class of
// OUT.jar is then loaded and linked; exit 1 (and no OUT.jar) when one fails, so the caller keeps IN.jar.
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.lang.invoke.MethodHandles;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

public class ClassVersionUpgrade {
    public static void main(String[] args) throws Exception {
        Path in = Path.of(args[0]), out = Path.of(args[1]);
        List<String> classes = new ArrayList<>();
        try (URLClassLoader resources = new URLClassLoader(new URL[] {in.toUri().toURL()}, null)) {
            ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS, ClassFile.ClassHierarchyResolverOption.of(
                    ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(resources))));
            ClassTransform version = (cb, e) -> {
                if (e instanceof ClassFileVersion v && v.majorVersion() < 50) cb.withVersion(52, 0);
                else cb.with(e);
            };
            ClassTransform upgrade = version.andThen(ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL));
            try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(in));
                 ZipOutputStream zout = new ZipOutputStream(Files.newOutputStream(out))) {
                for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
                    byte[] b = zin.readAllBytes();
                    String name = e.getName();
                    if (name.endsWith(".class") && !name.endsWith("module-info.class") && !name.startsWith("META-INF/")) {
                        if (cf.parse(b).majorVersion() < 50) b = cf.transformClass(cf.parse(b), upgrade);
                        classes.add(name.substring(0, name.length() - 6).replace('/', '.'));
                    }
                    zout.putNextEntry(new ZipEntry(name));
                    zout.write(b);
                    zout.closeEntry();
                }
            }
        }
        try (URLClassLoader check = new URLClassLoader(new URL[] {out.toUri().toURL()}, ClassVersionUpgrade.class.getClassLoader())) {
            for (String c : classes) {
                Class<?> k = Class.forName(c, false, check);
                // linking verifies the byte code
                MethodHandles.privateLookupIn(k, MethodHandles.lookup()).ensureInitialized(k);
            }
        } catch (Throwable t) {
            Files.deleteIfExists(out);
            System.err.println("ClassVersionUpgrade: " + in + ": " + t);
            System.exit(1);
        }
    }
}
