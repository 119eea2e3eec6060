package dev.provisioning.runner;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library's functions for {@link NativeSpawner} and {@link NativeExitWatch} (Java 22 foreign-function API).
 * A missing function throws {@link UnsupportedOperationException}, which makes {@link Spawners#loadNative} fall back.
 */
final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    /** Allocate one of these per call to a {@link #withErrno} function; it is the call's first argument. */
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_FIELD = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private Libc() {}

    /** A downcall to {@code name}. */
    static MethodHandle function(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(find(name), fd);
    }

    /** A downcall to {@code name} that records {@code errno} in a {@link #CALL_STATE} segment passed first. */
    static MethodHandle withErrno(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(find(name), fd, ERRNO);
    }

    /** The {@code errno} a {@link #withErrno} call left in {@code state}. */
    static int errno(MemorySegment state) {
        return (int) ERRNO_FIELD.get(state, 0L);
    }

    private static MemorySegment find(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsupportedOperationException("the C library has no " + name));
    }
}
