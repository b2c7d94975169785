"""Automations (design 0013): event rules of an entity that call a webhook or Slack."""
