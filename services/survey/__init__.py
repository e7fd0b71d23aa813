"""Survey service: questionnaires, surveys fielded to respondents, answer sheets, results."""
