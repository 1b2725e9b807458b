"""What the tests share: fixtures, helpers and stand-ins; never a test itself."""
