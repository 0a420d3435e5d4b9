"""The fetch layer every store request goes through: pacing now; retries and breakers to come."""
