# Fixtures for InjectionTest: each hands back what it was given, so the test can compare it byte for byte.
# The answer travels as base64 of `to json -r`: nu's pretty `to json` (the wrapper's) writes control characters
# unescaped, which is not JSON.

# Returns the request it was given.
export def echo-b64 [req: record] {
    { b64: ($req | to json -r | encode base64) }
}

# Returns the values of the environment variables named in req.names (config env_vars reach a task as data).
export def env-of [req: record] {
    { b64: ($req.names | each {|n| {name: $n, value: ($env | get $n)} } | to json -r | encode base64) }
}
