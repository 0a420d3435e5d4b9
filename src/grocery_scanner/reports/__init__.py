"""Plans and figures as text: the formats the CLI and the service both give."""
