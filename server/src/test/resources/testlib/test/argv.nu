# A script action for InjectionTest: writes the argv it was given to the task's result file.
def main [...args: string] {
    { argv: $args } | to json -r | save -f $env.PROVISIONING_RESULT_FILE
}
