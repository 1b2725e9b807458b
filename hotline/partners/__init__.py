"""The directory of partners: organisations, experts and mentors a case's person may be referred to."""
