"""The Slack adapter (slack-bolt): `adapters.slack.runner.serve(core, env=...)` runs it."""
