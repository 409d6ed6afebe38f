"""The Discord adapter (discord.py): slash commands, persistent buttons, 👀 reactions and the Outbound port.

Entry points: `adapters.discord.runner.serve` (the bot process) and `adapters.discord.client.build_bot` (tests).
"""
