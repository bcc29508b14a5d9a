"""Member-facing pages: thin views over bonuses.services and bonuses.selectors."""
