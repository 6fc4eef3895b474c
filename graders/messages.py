"""Every sentence a user reads, in Chinese and English, in one catalogue.

Keys are stable identifiers; parameters are filled with str.format. Keeping the texts here
(and nowhere else) is what lets `--lang` switch a whole report, errors included.
"""

from __future__ import annotations

LANGS = ("zh", "en")

# key -> (zh, en)
CATALOGUE: dict[str, tuple[str, str]] = {
    # --- reading files -------------------------------------------------------------------
    "file.missing": (
        "找不到文件 {path}。请检查路径是否正确（当前目录：{cwd}）。",
        "{path}: no such file. Check the path (current folder: {cwd}).",
    ),
    "file.not_a_file": (
        "{path} 不是普通文件（可能是文件夹）。请给出要评测的 .py 文件。",
        "{path} is not a regular file (a folder?). Give the .py file to grade.",
    ),
    "file.unreadable": (
        "无法读取 {path}：{reason}。",
        "{path} cannot be read: {reason}.",
    ),
    "file.not_utf8": (
        "{path} 第 {line} 行第 {column} 列的字节不是合法的 UTF-8 编码。请在编辑器中以 UTF-8 "
        "编码另存该文件后重试（文件本身未被修改）。",
        "{path}, line {line}, column {column}: these bytes are not valid UTF-8. Save the file "
        "as UTF-8 in your editor and try again (your file was not changed).",
    ),
    "file.notebook_unsupported": (
        "{path} 是 Jupyter 笔记本（.ipynb），目前尚不支持直接评测。请在 Jupyter 中选择 "
        "“下载为 Python (.py)”，然后评测导出的 .py 文件。",
        "{path} is a Jupyter notebook (.ipynb), which cannot be graded yet. In Jupyter use "
        "'Download as Python (.py)' and grade the exported .py file.",
    ),
    # --- markers ------------------------------------------------------------------------------
    "markers.end_without_begin": (
        "{path} 第 {line} 行：出现了 End 标记，但前面没有与之配对的 Begin。请恢复被删除的 "
        "“########## Begin ##########” 行，或删掉这一行多余的 End。",
        "{path}, line {line}: an End marker with no Begin before it. Restore the deleted "
        "'########## Begin ##########' line, or remove this extra End.",
    ),
    "markers.nested_begin": (
        "{path} 第 {line} 行：第 {opened} 行打开的填空区域尚未用 End 关闭，又出现了一个 Begin。"
        "填空区域不能嵌套：请在第 {line} 行之前补上 “########## End ##########”，或删掉多余的 Begin。",
        "{path}, line {line}: a Begin marker inside the blank opened at line {opened}. Blanks "
        "cannot be nested: add '########## End ##########' before line {line}, or remove the "
        "extra Begin.",
    ),
    "markers.begin_without_end": (
        "{path} 第 {line} 行：这个 Begin 标记直到文件末尾都没有对应的 End。请在填空代码之后补上 "
        "“########## End ##########”。",
        "{path}, line {line}: this Begin marker has no End before the end of the file. Add "
        "'########## End ##########' after the code of the blank.",
    ),
    "markers.count_mismatch": (
        "{path} 有 {found} 个填空区域，而实验 {lab} 的模板有 {expected} 个。请不要删除或复制 "
        "Begin/End 标记行；可以从 {template} 重新复制缺失的标记。{hint}",
        "{path} has {found} blank(s) but the template of lab {lab} has {expected}. Do not "
        "delete or copy Begin/End marker lines; copy the missing markers back from "
        "{template}.{hint}",
    ),
    "markers.suspect_hint": (
        "第 {lines} 行看起来像被改坏的标记。",
        " Line(s) {lines} look like damaged markers.",
    ),
    "markers.none_in_solution": (
        "参考答案 {path} 中没有任何 Begin/End 填空区域，无法生成学生模板。",
        "The reference {path} has no Begin/End blanks, so no starter can be made from it.",
    ),
    "markers.placeholder": (
        "请在 Begin/End 之间填写代码（第 {index} 空）",
        "fill in the code between Begin and End (blank {index})",
    ),
    # --- specs and course files ------------------------------------------------------------
    "spec.unknown_lab": (
        "没有名为 “{lab}” 的实验。可用的实验：{known}。",
        "There is no lab called '{lab}'. Known labs: {known}.",
    ),
    "spec.cannot_tell_lab": (
        "无法从文件名 {path} 判断它属于哪个实验。请用 --lab 指定，可选：{known}。",
        "Cannot tell from the name {path} which lab it belongs to. Pass --lab, one of: {known}.",
    ),
    "spec.toml": (
        "实验描述文件 {path} 不是合法的 TOML：{reason}。",
        "The spec {path} is not valid TOML: {reason}.",
    ),
    "spec.field": (
        "实验描述文件 {path}：字段 {field} {problem}。",
        "The spec {path}: field {field} {problem}.",
    ),
    "spec.missing_file": (
        "实验 {lab} 需要的文件 {path} 不存在。请运行 `seqlab build`（生成文件）或检查课程目录。",
        "Lab {lab} needs {path}, which does not exist. Run `seqlab build` (generated files) or "
        "check the course folder.",
    ),
    "spec.no_course": (
        "找不到课程目录（应包含 exercises/、solutions/ 与 graders/labs/）：{path}。请用 --course 指定。",
        "No course folder (with exercises/, solutions/ and graders/labs/) at {path}. Pass "
        "--course.",
    ),
    "spec.reference_failed": (
        "实验 {lab} 的参考答案在测试集 {test} 上没有正常运行（{verdict}），因此没有记录任何预期输出。请先修复参考答案。",
        "The reference of lab {lab} did not run cleanly on test set {test} ({verdict}), so no expected output was recorded. Fix the reference first.",
    ),
    "spec.rounding_boundary": (
        "实验描述文件 {path}：测试集 {test} 的输出值 {value} 的容差只有 {tolerance}，不大于其最后一位小数的一个单位（{unit}）。数值靠近舍入边界时，正确的程序可能打印出相邻的末位数字而被判错。请增大 atol/rtol，或多打印几位小数。没有记录任何预期输出。",
        "The spec {path}: set {test} prints {value}, whose tolerance {tolerance} is not above one unit of its last printed decimal ({unit}). Near a rounding boundary a correct program may print the neighbouring last digit and fail. Raise atol/rtol or print more decimals. Nothing was recorded.",
    ),
    "spec.negative_zero": (
        "实验 {lab} 的测试集 {test} 输出了 {value}：这是一个极小的负数，正确的程序也可能打印成正的 0。请在打印前把接近 0 的值归零（例如加上 0.0 或 round 之后 +0.0），或改变测试输入。没有记录任何预期输出。",
        "Lab {lab}, set {test} prints {value}: a tiny negative value that a correct program may as well print as a positive zero. Clear near-zero values before printing (e.g. add 0.0 after rounding) or change the input. Nothing was recorded.",
    ),
    # --- the sandbox ---------------------------------------------------------------------------
    "sandbox.start_failed": (
        "评测机无法启动 Python 进程（{reason}）。这是评测系统的问题，不是你的代码的问题。",
        "The grader could not start a Python process ({reason}). This is the grader's fault, "
        "not your code's.",
    ),
    "sandbox.too_weak": (
        "这台机器上的隔离级别只有 {level}，低于要求的 {required}，因此没有评测。未启用的隔离层：{missing}。运行 `seqlab doctor` 查看原因和需要安装或修改的内容。",
        "This machine reaches isolation level {level}, below the required {required}, so nothing was graded. Inactive layers: {missing}. Run `seqlab doctor` to see why and what to install or change.",
    ),
    "sandbox.doctor_level": ("本机隔离级别：{level}", "Isolation level on this machine: {level}"),
    "sandbox.doctor_works": ("可用", "works"),
    "sandbox.doctor_missing": ("不可用", "not active"),
    # --- verdicts (one line each) ---------------------------------------------------------
    "verdict.accepted": ("通过", "passed"),
    "verdict.wrong_answer": ("答案错误", "wrong answer"),
    "verdict.presentation_error": (
        "格式错误（仅空白字符不同）",
        "presentation error (only whitespace differs)",
    ),
    "verdict.runtime_error": ("运行错误", "runtime error"),
    "verdict.time_limit": ("超出时间限制", "time limit exceeded"),
    "verdict.memory_limit": ("超出内存限制", "memory limit exceeded"),
    "verdict.output_limit": ("输出超出限制", "output limit exceeded"),
    "verdict.internal_error": ("评测系统内部错误", "internal error of the grader"),
    # --- per-set details -------------------------------------------------------------------
    "detail.first_difference": (
        "第 {line} 行不同：预期 {expected!r}，实际 {actual!r}。",
        "Line {line} differs: expected {expected!r}, got {actual!r}.",
    ),
    "detail.missing_lines": (
        "输出少了内容：预期第 {line} 行是 {expected!r}，但输出在此之前就结束了。",
        "Output ends too early: line {line} should be {expected!r}.",
    ),
    "detail.extra_lines": (
        "输出多了内容：第 {line} 行 {actual!r} 是多余的。",
        "Extra output: line {line} {actual!r} was not expected.",
    ),
    "detail.whitespace_only": (
        "内容正确，但空格或换行与预期不同（例如应每行一个结果）。",
        "The content is right but spaces or line breaks differ (e.g. one result per line).",
    ),
    "detail.number_mismatch": (
        "第 {index} 个数不同：预期 {expected}，实际 {actual}（允许误差 atol={atol}, rtol={rtol}）。",
        "Number {index} differs: expected {expected}, got {actual} (atol={atol}, rtol={rtol}).",
    ),
    "detail.token_mismatch": (
        "第 {index} 项不同：预期 {expected!r}，实际 {actual!r}。",
        "Item {index} differs: expected {expected!r}, got {actual!r}.",
    ),
    "detail.token_count": (
        "输出项数不同：预期 {expected} 项，实际 {actual} 项。",
        "Different number of items: expected {expected}, got {actual}.",
    ),
    "detail.exit_code": ("程序以退出码 {code} 结束。", "The program ended with exit code {code}."),
    "detail.signal": ("程序被信号 {signal} 终止。", "The program was killed by signal {signal}."),
    "detail.timeout": (
        "程序运行超过 {seconds} 秒被终止（死循环？等待输入？）。",
        "The program was stopped after {seconds} s (an endless loop? waiting for input?).",
    ),
    "detail.memory": (
        "程序申请的内存超过 {mb} MB 上限。",
        "The program asked for more than the {mb} MB memory limit.",
    ),
    "detail.output": (
        "程序输出超过 {kb} KB 上限，已被终止。",
        "The program printed more than {kb} KB and was stopped.",
    ),
    "detail.hidden": (
        "（隐藏测试集：不显示输入与输出）",
        "(hidden test set: input and output are not shown)",
    ),
    "detail.no_report": (
        "评测机没有收到该测试集的运行结果。",
        "The grader received no result for this test set.",
    ),
    # --- report ---------------------------------------------------------------------------------
    "report.test_set": ("测试集 {index}", "Test set {index}"),
    "report.question": ("第 {number} 题", "Question {number}"),
    "report.input": ("测试输入", "Input"),
    "report.expected": ("预期输出", "Expected output"),
    "report.actual": ("实际输出", "Your output"),
    "report.stderr": ("错误信息", "Error output"),
    "report.score": ("得分 {score}/{max_score}", "Score {score}/{max_score}"),
    "report.all_passed": ("全部测试集通过，恭喜！", "All test sets passed. Well done!"),
    "report.some_failed_lab": (
        "{failed} 个测试集未通过，请检查上面的差异后再试。",
        "{failed} test set(s) failed: look at the differences above and try again.",
    ),
    "report.some_failed_quiz": (
        "{failed} 道题答错或未作答。",
        "{failed} question(s) wrong or not answered.",
    ),
    "report.ignored_edit": (
        "你修改了填空区域之外的代码（第 {lines} 行）；评测时这些修改被忽略，使用的是实验模板中的原始代码。",
        "You changed code outside the blanks (line(s) {lines}); those edits were ignored and "
        "the lab template's code was used instead.",
    ),
    "report.time_memory": ("{seconds:.2f} 秒 · {mb} MB", "{seconds:.2f} s · {mb} MB"),
    "report.empty": ("（空）", "(empty)"),
    "report.file": ("文件", "File"),
    "report.isolation": ("隔离级别", "Isolation"),
    "report.shared_time": (
        "共享部分（导入、训练）{seconds:.2f} 秒",
        "shared part (imports, training) {seconds:.2f} s",
    ),
    "report.truncated": ("……（已截断）", "… (truncated)"),
    # --- quiz -------------------------------------------------------------------------------------
    "quiz.unknown": (
        "没有名为 “{quiz}” 的题库。可用的题库：{known}。",
        "There is no quiz called '{quiz}'. Known quizzes: {known}.",
    ),
    "quiz.bad_line": (
        "{path} 第 {line} 行无法识别：{text!r}。每行应写成“题号 答案”，例如 “2 ABC”、"
        "“2. A,B,C” 或 “2：abc”。",
        "{path}, line {line} cannot be read: {text!r}. Write one question per line as "
        "'number answer', e.g. '2 ABC', '2. A,B,C' or '2: abc'.",
    ),
    "quiz.unknown_question": (
        "{path} 第 {line} 行：题库 {quiz} 中没有第 {number} 题（共 {count} 题）。",
        "{path}, line {line}: quiz {quiz} has no question {number} (it has {count}).",
    ),
    "quiz.bad_letter": (
        "{path} 第 {line} 行：第 {number} 题没有选项 {token!r}（可选 {options}）。",
        "{path}, line {line}: question {number} has no option {token!r} (options: {options}).",
    ),
    "quiz.duplicate_question": (
        "{path} 第 {line} 行：第 {number} 题已在第 {first} 行作答过。每题只能作答一次，请删除其中一行。",
        "{path}, line {line}: question {number} was already answered on line {first}. Keep "
        "one answer per question and delete the other line.",
    ),
    "quiz.bad_json": (
        '{path} 第 {line} 行不是合法的 JSON（{reason}）。请写成 {{"1": "A", "2": "ABC"}} 的形式。',
        '{path}, line {line} is not valid JSON ({reason}). Write the answers as {{"1": "A", "2": "ABC"}}.',
    ),
    "quiz.bad_toml": (
        '{path} 第 {line} 行不是合法的 TOML（{reason}）。请每行写一题，例如 1 = "A"、2 = ["A", "B"]。',
        '{path}, line {line} is not valid TOML ({reason}). Write one answer per line, e.g. 1 = "A" or 2 = ["A", "B"].',
    ),
    "quiz.bad_mapping": (
        '{path} 应当是“题号 → 答案”的映射，例如 {{"1": "A", "2": "ABC"}}。',
        '{path} must map question numbers to answers, e.g. {{"1": "A", "2": "ABC"}}.',
    ),
    "quiz.bad_key": (
        "{path} 第 {line} 行：{key!r} 不是题号。题号应为 1、2、3 这样的数字。",
        "{path}, line {line}: {key!r} is not a question number. Use numbers such as 1, 2, 3.",
    ),
    "quiz.bad_value": (
        '{path} 第 {line} 行：第 {number} 题的答案应是字母（如 "AB"）或字母列表（如 ["A", "B"]），而不是 {value!r}。',
        '{path}, line {line}: the answer to question {number} should be letters such as "AB" or a list such as ["A", "B"], not {value!r}.',
    ),
    "quiz.bad_student": (
        "学号 {student!r} 不可用：学号不能为空，也不能包含换行等控制字符。",
        "The student id {student!r} cannot be used: it must not be empty or contain line breaks or other control characters.",
    ),
    "quiz.kind_single": ("单选", "single choice"),
    "quiz.kind_multi": ("多选", "choose all that apply"),
    "quiz.points": ("{points} 分", "{points} pt"),
    "quiz.student": ("学号 {student}", "student {student}"),
    "quiz.correct_answer": ("正确答案：{answer}", "Correct answer: {answer}"),
    "quiz.review": ("答案与解析", "Answers and explanations"),
    "quiz.prompt": (
        "第 {number} 题的答案（例如 {example}；直接回车跳过）> ",
        "Answer to question {number} (e.g. {example}; Enter to skip)> ",
    ),
    "quiz.not_an_option": (
        "没有选项 {token!r}，可选 {options}。请重新输入。",
        "There is no option {token!r}; the options are {options}. Try again.",
    ),
    "quiz.one_letter": (
        "这是单选题，请只选一个字母。",
        "This is a single-choice question: pick one letter.",
    ),
    "quiz.saved": (
        "答题卡已保存到 {path}。之后可以用 `seqlab quiz check {quiz} {path}{student}` 重新评分。",
        "Answer sheet saved to {path}. Score it again with `seqlab quiz check {quiz} {path}{student}`.",
    ),
    "file.exists": (
        "{path} 已经存在。为了不覆盖你的文件，请换一个文件名。",
        "{path} already exists. Choose another name; seqlab never overwrites your files.",
    ),
    "quiz.your_answer": ("你的答案：{answer}", "Your answer: {answer}"),
    # --- validate ------------------------------------------------------------------------------
    "validate.ok": ("通过", "ok"),
    "validate.fail": ("失败", "FAILED"),
    "validate.starter_sync": (
        "学生模板由参考答案生成且一致",
        "starter generated from the solution",
    ),
    "validate.reference_full": (
        "参考答案在所有测试集上满分",
        "reference scores full marks on every set",
    ),
    "validate.starter_zero": ("学生模板得零分", "starter scores zero"),
    "validate.corpus_entry": (
        "错题库 {name} 得到预期评测结果",
        "corpus entry {name} gets its verdicts",
    ),
    "validate.corpus_none": (
        "没有错题库（tests/corpus/{lab}.toml）",
        "no mistake corpus (tests/corpus/{lab}.toml)",
    ),
    "validate.corpus_score": ("得分 {got:g}，应为 {want:g}", "score {got:g}, should be {want:g}"),
    "validate.corpus_verdicts": ("评测结果 {got}，应为 {want}", "verdicts {got}, should be {want}"),
    "validate.corpus_ignored": (
        "“修改了填空外代码”的提示与预期（{want}）不符",
        "the 'edits outside the blanks' report differs from ignored = {want}",
    ),
    "validate.corpus_traceback": (
        "错误信息没有指向 {where}",
        "the traceback does not name {where}",
    ),
    "validate.run_build": ("请运行 `seqlab build`", "run `seqlab build`"),
    "validate.seeds": (
        "参考答案在每个随机种子下都满分",
        "reference scores full marks under every seed",
    ),
    "validate.no_seed": (
        "实验描述缺少 seed_variable，无法改变种子",
        "the spec has no seed_variable, so seeds cannot be changed",
    ),
    "validate.seeds_passed": ("{passed}/{total} 个种子满分", "{passed}/{total} seeds"),
    "validate.seeds_failed": ("未满分的种子：{seeds}", "failed on seeds {seeds}"),
    "validate.index_sync": (
        "课程目录由实验描述生成且一致",
        "course index generated from the specs",
    ),
    "validate.bank": ("题库格式正确", "quiz bank well formed"),
    "plugin.questions": ("{count} 道题", "{count} questions"),
    # --- course tools (build, mutate, new) ------------------------------------------------------
    "course.bad_number": ("{option} 的取值 {value} 不可用。", "{option} cannot be {value}."),
    "course.starter_written": ("{lab}：已生成学生模板 {path}", "{lab}: starter {path} written"),
    "course.starter_current": (
        "{lab}：学生模板 {path} 已是最新",
        "{lab}: starter {path} up to date",
    ),
    "course.recorded": (
        "{lab}：已记录预期输出（{sets}）",
        "{lab}: expected outputs recorded for {sets}",
    ),
    "course.recorded_current": ("{lab}：预期输出已是最新", "{lab}: expected outputs up to date"),
    "course.index_written": ("已生成课程目录 {path}", "course index {path} written"),
    "course.index_current": ("课程目录 {path} 已是最新", "course index {path} up to date"),
    "course.index_skipped": ("课程目录未更新：{reason}", "course index not written: {reason}"),
    "course.mutant_killed": ("{id}：被测试集发现（{verdicts}）", "{id}: killed ({verdicts})"),
    "course.mutant_survived": ("{id}：未被发现（存活）", "{id}: survived"),
    "course.mutants_sampled": (
        "共 {total} 个变异体，按固定抽样评测其中 {graded} 个（--max）。",
        "{total} mutants; a fixed sample of {graded} was graded (--max).",
    ),
    "course.survivor": (
        "存活 {id}（第 {line} 行）：{original} → {mutated}",
        "survivor {id} (line {line}): {original} → {mutated}",
    ),
    "course.equivalent": (
        "等价（作者已标注）{id}（第 {line} 行）：{original} → {mutated}",
        "equivalent (marked by the author) {id} (line {line}): {original} → {mutated}",
    ),
    "course.equivalent_stale": (
        "{spec} 中标注为等价的 {id} 已不存在（参考答案改过？），请删除。",
        "{id}, marked equivalent in {spec}, matches no mutant any more (the reference changed?); remove it.",
    ),
    "course.mutation_score": (
        "{lab}：变异得分 {percent}（{killed}/{graded} 被发现，要求 ≥ {threshold}）",
        "{lab}: mutation score {percent} ({killed}/{graded} killed, required ≥ {threshold})",
    ),
    "course.new_written": ("已写入 {path}", "wrote {path}"),
    "course.new_next": (
        "编辑这些文件后运行：seqlab build --lab {lab} --record && seqlab validate --lab {lab}",
        "Edit these files, then run: seqlab build --lab {lab} --record && seqlab validate --lab {lab}",
    ),
    "course.new_bad_id": (
        "实验编号 {lab!r} 不可用：请用小写字母、数字和连字符，以字母开头，例如 gru-step。",
        "The lab id {lab!r} cannot be used: use lowercase letters, digits and hyphens, starting with a letter, e.g. gru-step.",
    ),
    "course.new_exists": (
        "{path} 已经存在，实验 {lab} 没有写入任何文件。seqlab new 从不覆盖已有文件；请换一个编号或先移走这些文件。",
        "{path} already exists; nothing was written for lab {lab}. seqlab new never overwrites files: choose another id or move them away first.",
    ),
    # --- generic ----------------------------------------------------------------------------------
    "internal": (
        "评测系统内部出错（{error}）。这不是你的问题；请把这条信息报告给课程工作人员。",
        "The grader failed internally ({error}). This is not your fault; please report this "
        "message to the course staff.",
    ),
}


def say(key: str, lang: str = "zh", /, **params: object) -> str:
    """The catalogue text for `key` in `lang`, with parameters filled in."""
    zh, en = CATALOGUE[key]
    template = en if lang == "en" else zh
    return template.format(**params)
