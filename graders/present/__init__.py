"""One presentation of a result for every reader.

`view.build(result, lang)` decides once what a person sees of a LabResult — headings, the
fields shortened, the summary counts (partial credit counted once), what a hidden set may
show — and thin renderers draw that view: `terminal` (rich), `markdown`, and `html` (the one
autoescaping Jinja environment, whose result partial serves the web's attempt page, the
feedback files and the notebook check, and whose templates draw the class report). Nothing
here builds HTML by string concatenation, and nothing here decides a verdict or a score.
"""
