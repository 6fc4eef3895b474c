"""Author-side course tools: build generated files, validate the course, sweep seeds, check the
mistake corpus, mutate references, scaffold new labs, and the pytest plugin for course CI.

They sit above the engine (they grade through it) and below the CLI; nothing here runs
student code except through `graders.engine` and its runner.
"""
