# The orchestrator client under its documented name: everything of lib/orchestrator/client.nu.
#   use orchestrator/client.nu [orchestrator-available ensure-orchestrator submit-workflow workflow-status]
export use ../lib/orchestrator/client.nu *
