# A helper module found through NU_LIB_DIRS.
export def hello [name: string] { $"hello, ($name)" }
