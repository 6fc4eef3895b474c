"""Multiple-choice quizzes: question banks (data under quizzes/banks/) and their checker."""
