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
        "找不到课程目录（含 exercises/ 与 graders/labs/ 的文件夹，例如学生版的目录）：{path}。请用 --course 指定，例如 `--course ~/seqlab-release`。",
        "No course folder (one holding exercises/ and graders/labs/, such as the students' copy) at {path}. Name it with --course, e.g. `--course ~/seqlab-release`.",
    ),
    # a check of a file outside any course, run from another folder: both searched.
    "spec.no_course_near": (
        "找不到课程目录（含 exercises/ 与 graders/labs/ 的文件夹，例如学生版的目录）：{near} 及其上级、{path} 及其上级都没有。请用 --course 指定，例如 `--course ~/seqlab-release`，或把文件放回学生版目录中。",
        "No course folder (one holding exercises/ and graders/labs/, such as the students' copy) at {near} or above it, nor at {path} (the current folder) or above it. Name it with --course, e.g. `--course ~/seqlab-release`, or keep the file inside the students' copy.",
    ),
    "spec.reference_failed": (
        "实验 {lab} 的参考答案在测试集 {test} 上没有正常运行（{verdict}），因此没有记录任何预期输出。请先修复参考答案。",
        "The reference of lab {lab} did not run cleanly on test set {test} ({verdict}), so no expected output was recorded. Fix the reference first.",
    ),
    "spec.rounding_boundary": (
        "实验描述文件 {path}：测试集 {test} 的输出值 {value} 的容差只有 {tolerance}，不大于其最后一位小数的一个单位（{unit}）。数值靠近舍入边界时，正确的程序可能打印出相邻的末位数字而被判错。请增大 atol 或 rtol，或多打印几位小数。没有记录任何预期输出。",
        "The spec {path}: set {test} prints {value}, whose tolerance {tolerance} is not above one unit of its last printed decimal ({unit}). Near a rounding boundary a correct program may print the neighbouring last digit and fail. Raise atol/rtol or print more decimals. Nothing was recorded.",
    ),
    "spec.negative_zero": (
        "实验 {lab} 的测试集 {test} 输出了 {value}：这是一个极小的负数，正确的程序也可能打印成正的 0。请在打印前把接近 0 的值归零（例如舍入之后再加上 0.0），或改变测试输入。没有记录任何预期输出。",
        "Lab {lab}, set {test} prints {value}: a tiny negative value that a correct program may as well print as a positive zero. Clear near-zero values before printing (e.g. add 0.0 after rounding) or change the input. Nothing was recorded.",
    ),
    # --- the sandbox ---------------------------------------------------------------------------
    "sandbox.start_failed": (
        "评测机无法启动 Python 进程（{reason}）。这是评测系统的问题，不是你的代码的问题。",
        "The grader could not start a Python process ({reason}). This is the grader's fault, "
        "not your code's.",
    ),
    "sandbox.unknown_level": (
        "要求的隔离级别 {level!r} 不存在（来自 --require-isolation，或 `run_autograder` "
        "中的环境变量 SEQLAB_REQUIRE_ISOLATION）。可用的级别：{allowed}。没有评测任何提交。",
        "The required isolation level {level!r} does not exist (from --require-isolation, or "
        "the variable SEQLAB_REQUIRE_ISOLATION in Gradescope's run_autograder). The levels "
        "are: {allowed}. Nothing was graded.",
    ),
    "sandbox.too_weak": (
        "这台机器上的隔离级别只有 {level}，低于要求的 {required}，因此不在这里评测任何提交。未启用的隔离层：{missing}。{exposed}运行 `seqlab doctor` 查看原因和需要安装或修改的内容；若明知风险仍要在此评测，请要求这一级别（`--require-isolation {level}`，`run_autograder` 则用 `SEQLAB_REQUIRE_ISOLATION={level}`）。",
        "This machine reaches isolation level {level}, below the required {required}, so nothing is graded here. Inactive layers: {missing}. {exposed}Run `seqlab doctor` to see why and what to install or change; to grade here anyway, knowing the risk, require this level (`--require-isolation {level}`, or `SEQLAB_REQUIRE_ISOLATION={level}` for run_autograder).",
    ),
    "sandbox.exposed": (
        "沙箱内可以读到课程的机密文件：{files}。在它们移出每次运行都会只读挂载的目录之前（例如课程目录放在了虚拟环境里，或旧版 seqlab 把规格文件装进了 `site-packages`：请重新安装），隔离级别最多算 `weak`。",
        "Course secrets are readable inside the sandbox: {files}. Until they are moved out of the trees every run mounts read-only (a course folder inside the virtual environment, or an old seqlab that installed its specs into site-packages: reinstall it), the level is at most weak. ",
    ),
    # Why a sandbox layer is not active, and what would make it so (graders/sandbox/probe.py).
    "sandbox.reason_switched_off": (
        "已关闭（`--without` 或 {variable}）",
        "switched off (--without or {variable})",
    ),
    "sandbox.reason_not_needed": (
        "不需要：`bubblewrap` 已经限制了文件系统",
        "not needed: bubblewrap confines the file system",
    ),
    "sandbox.reason_no_bwrap": ("没有安装 `bubblewrap`", "bubblewrap is not installed"),
    "sandbox.reason_bwrap_failed": (
        "`bubblewrap` 无法运行：{error}",
        "bubblewrap did not run: {error}",
    ),
    "sandbox.reason_bwrap_old": (
        "`bubblewrap` 低于 0.8（{error}）：请安装 0.8 或更新的版本",
        "bubblewrap is older than 0.8 ({error}): install bubblewrap ≥ 0.8",
    ),
    "sandbox.reason_bwrap_namespaces": (
        "`bubblewrap` 在这里无法创建命名空间：{error}",
        "bubblewrap cannot make namespaces here: {error}",
    ),
    "sandbox.reason_no_landlock": (
        "内核没有 `Landlock`（Linux 低于 5.13，或不在启动参数 `lsm=` 的列表中）",
        "the kernel has no Landlock (Linux < 5.13, or not in the lsm= list)",
    ),
    "sandbox.reason_seccomp": ("系统调用过滤不可用：{error}", "{error}"),
    "sandbox.reason_cgroup": ("无法使用 `cgroup`：{error}", "{error}"),
    "sandbox.to_enable": ("{why} —— 启用方法：{advice}", "{why} — to enable: {advice}"),
    "sandbox.advice_bwrap": (
        "安装 `bubblewrap`（`apt-get install bubblewrap`）并允许非特权用户命名空间（Ubuntu 23.10 及以上：`sysctl kernel.apparmor_restrict_unprivileged_userns=0`；`user.max_user_namespaces` 大于 0）",
        "install bubblewrap (apt-get install bubblewrap) and allow unprivileged user namespaces (sysctl kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu ≥ 23.10, user.max_user_namespaces > 0)",
    ),
    "sandbox.advice_seccomp": (
        "安装 `libseccomp2` 和 Python 包 `pyseccomp`（`pip install pyseccomp`）",
        "install libseccomp2 and the pyseccomp package (pip install pyseccomp)",
    ),
    "sandbox.advice_landlock": (
        "使用 Linux 5.13 或更新的内核，并把 `landlock` 加入启动参数 `lsm=`（ABI 6 及以上还会限制信号）",
        "use Linux ≥ 5.13 with landlock in the lsm= boot parameter (ABI ≥ 6 also scopes signals)",
    ),
    "sandbox.advice_cgroup": (
        "以 root 运行评测程序，或把带 `memory` 和 `pids` 控制器的 `cgroup v2` 子树委派给它的用户（`systemd-run --user --scope -p Delegate=yes ...`）",
        "run the grader as root, or delegate a cgroup v2 subtree with the memory and pids controllers to its user (systemd-run --user --scope -p Delegate=yes ...)",
    ),
    "sandbox.active_process": (
        "独立的 `python -I`、几乎为空的环境变量、资源限制、独立会话、输出上限",
        "separate python -I, empty environment, rlimits, own session, output caps",
    ),
    "sandbox.active_bwrap": (
        "{path}：全部命名空间，uid {uid}，只读的根目录",
        "{path}: all namespaces, uid {uid}, read-only root",
    ),
    "sandbox.active_landlock": ("ABI {abi}", "ABI {abi}"),
    "sandbox.active_seccomp": (
        "拒绝 {denied} 个系统调用；不能创建网络套接字",
        "{denied} system calls denied, no network sockets",
    ),
    "sandbox.active_cgroup": (
        "每次运行各自的内存、进程数与 CPU 份额，统计 CPU 时间，结束时全部终止",
        "memory, pids and CPU share per run, CPU time counted, kill-all at the end",
    ),
    "sandbox.inactive_layer": ("{layer}：{why}", "{layer}: {why}"),
    "sandbox.doctor_course": ("课程文件", "course files"),
    "sandbox.doctor_course_safe": (
        "{course}：规格、题库、语料与参考答案都不在沙箱可读的目录中",
        "{course}: no spec, bank, corpus or solution lies in a tree the sandbox can read",
    ),
    "sandbox.doctor_course_unconfined": (
        "{course}：这一级别没有限制文件访问的隔离层（`bubblewrap` 或 `Landlock`），每次运行都能读到课程的规格（含隐藏测试）、题库、语料与参考答案。批改一个班之前请启用其中之一（上方各行说明了它们为什么没有启用），或用 `--require-isolation medium` 拒绝在此级别评测。",
        "{course}: no layer at this level confines files (bubblewrap or Landlock), so every run can read the course's specs (hidden sets included), banks, corpus and solutions. Before grading a class, enable one of them (the rows above say why each is not active), or refuse to grade at this level with `--require-isolation medium`.",
    ),
    "sandbox.doctor_level": ("本机隔离级别：{level}", "Isolation level on this machine: {level}"),
    "sandbox.doctor_works": ("可用", "works"),
    "sandbox.doctor_missing": ("未启用", "not active"),
    # --- verdicts (one line each) ---------------------------------------------------------
    "verdict.accepted": ("通过", "passed"),
    "verdict.partial": ("部分正确", "partially correct"),
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
        "第 {line} 行第 {position} 个值不同：预期 {expected}，实际 {actual}（允许误差 atol={atol}, rtol={rtol}）。",
        "Line {line}, value {position} differs: expected {expected}, got {actual} (atol={atol}, rtol={rtol}).",
    ),
    "detail.not_a_number": (
        "第 {line} 行第 {position} 个值应是数 {expected}，实际是 {actual!r}，不是一个数（多了标点或别的字符？）。",
        "Line {line}, value {position} should be the number {expected}; got {actual!r}, which is "
        "not a number (a comma or another character too many?).",
    ),
    "detail.token_mismatch": (
        "第 {line} 行第 {position} 项不同：预期 {expected!r}，实际 {actual!r}。",
        "Line {line}, item {position} differs: expected {expected!r}, got {actual!r}.",
    ),
    "detail.token_count": (
        "输出的值的个数不同：预期 {expected} 个，实际 {actual} 个。",
        "A different number of values: expected {expected}, got {actual}.",
    ),
    "report.largest_error": (
        "最大绝对误差 {error}：第 {line} 行第 {position} 个值（预期 {expected}，实际 {actual}）。",
        "Largest absolute error {error}: line {line}, value {position} (expected {expected}, got {actual}).",
    ),
    # The numeric diff, where numbers cannot be measured against each other (present/diff.py).
    "report.shape_line": (
        "第 {line} 行打印的形状不同：预期 “{expected}”，实际 “{actual}”。",
        "Line {line} prints a shape, and it differs: expected '{expected}', got '{actual}'.",
    ),
    "report.count_line": (
        "第 {line} 行的数值个数不同：预期 {expected} 个，实际 {actual} 个。这一行少了或多了值，"
        "它的数不逐个计算误差。",
        "Line {line} holds {actual} number(s) where {expected} were expected: a value is missing "
        "or extra there, so its numbers are not measured one by one.",
    ),
    # Another count of lines, the lines aligned (graders/align.py, present/diff.py; issue 18).
    "report.count_line_yours": (
        "预期输出第 {line} 行（你的第 {yours} 行）的数值个数不同：预期 {expected} 个，实际 {actual} 个。"
        "这一行少了或多了值，它的数不逐个计算误差。",
        "Line {line} (line {yours} of yours) holds {actual} number(s) where {expected} were "
        "expected: a value is missing or extra there, so its numbers are not measured one by one.",
    ),
    "report.line_missing": (
        "你的输出缺少预期输出的第 {line} 行“{text}”{more}；其余各行按内容对齐后比较。",
        "Your output lacks line {line} of the expected output, '{text}'{more}; the other lines "
        "are compared as they align.",
    ),
    "report.line_extra": (
        "你的输出第 {line} 行“{text}”是多出来的{more}；其余各行按内容对齐后比较。",
        "Line {line} of your output, '{text}', is extra{more}; the other lines are compared as "
        "they align.",
    ),
    "report.lines_more": ("（另有 {count} 行）", " (and {count} more)"),
    "detail.count_line": (
        "第 {line} 行的数值个数不同：预期 {expected} 个，实际 {actual} 个（形状不同，例如矩阵转置了？）。",
        "Line {line} holds {actual} number(s) where {expected} were expected (another shape: a "
        "transposed matrix?).",
    ),
    "detail.line_missing": (
        "输出少了一行：缺少预期输出的第 {line} 行“{text}”（预期 {expected} 行，实际 {actual} 行）。",
        "A line is missing: line {line} of the expected output, '{text}' (expected {expected} "
        "lines, got {actual}).",
    ),
    "detail.line_extra": (
        "输出多了一行：你的第 {line} 行“{text}”（预期 {expected} 行，实际 {actual} 行）。",
        "An extra line: line {line} of your output, '{text}' (expected {expected} lines, got "
        "{actual}).",
    ),
    "report.count_others": (
        "另有 {count} 行的数值个数也不同。",
        "{count} more line(s) hold another count of numbers.",
    ),
    "report.not_finite": (
        "第 {line} 行第 {position} 个值：预期 {expected}，实际 {actual}（非数或无穷大，无法计算误差）。",
        "Line {line}, value {position}: expected {expected}, got {actual} (not a number or "
        "infinite: no error can be measured).",
    ),
    "report.shape": (
        "输出的形状不同：预期 {expected}，实际 {actual}。",
        "The output has another shape: expected {expected}, got {actual}.",
    ),
    "report.shape_grid": ("{lines} 行 × 每行 {values} 个值", "{lines} lines × {values} values"),
    "report.shape_ragged": (
        "{lines} 行（每行 {values} 个值）",
        "{lines} lines ({values} values per line)",
    ),
    "report.differs": (
        "第 {line} 行第 {position} 个值：{actual}（预期 {expected}）",
        "line {line}, value {position}: {actual} (expected {expected})",
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
    "detail.output_stderr": (
        "程序写入标准错误输出的内容超过 {kb} KB 上限，已被终止。",
        "The program wrote more than {kb} KB to standard error and was stopped.",
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
    "report.question_column": ("题号", "Question"),
    "report.verdict_column": ("判定", "Verdict"),
    "report.score_column": ("得分", "Score"),
    "report.answer_column": ("你的答案", "Your answer"),
    "report.input": ("测试输入", "Input"),
    "report.expected": ("预期输出", "Expected output"),
    "report.actual": ("实际输出", "Your output"),
    "report.stderr": ("错误信息", "Error output"),
    "report.score": ("得分 {score}/{max_score}", "Score {score}/{max_score}"),
    # --- pictures of a set's matrices (present/heatmap.py) ---------------------------------
    "report.picture_expected": ("预期", "expected"),
    "report.picture_actual": ("你的输出", "yours"),
    "report.picture_rows": ("查询位置（行）", "query index (row)"),
    "report.picture_columns": ("键位置（列）", "key index (column)"),
    "report.picture_axes": (
        "行：查询位置 · 列：键位置",
        "rows: query index · columns: key index",
    ),
    "report.picture_panel": ("第 {index} 组", "part {index}"),
    "report.picture_cell": (
        "第 {row} 行第 {column} 列：{value}",
        "row {row}, column {column}: {value}",
    ),
    "report.picture_scale": ("颜色刻度", "colour scale"),
    "report.picture_outline": ("红框：超出容差的值", "red outline: beyond the tolerance"),
    "report.picture_differs": (
        "有 {count} 个值（已标出）与预期之差超出容差。",
        "{count} value(s), marked, differ from the expected ones beyond the tolerance.",
    ),
    "report.picture_mark": ("“!”：超出容差的值", "“!”: beyond the tolerance"),
    "report.picture_same": ("每个值都在容差之内。", "Every value is within the tolerance."),
    "report.picture_shape": (
        "形状不同（预期 {expected}，你的 {actual}），无法逐格比较。",
        "The shapes differ (expected {expected}, yours {actual}): no cell can be compared.",
    ),
    # --- a training lab's loss curve (present/curve.py) -----------------------------------
    "report.curve_reference": ("参考答案", "reference"),
    "report.curve_x": ("第几次计算损失（训练轮次）", "loss computed (epoch)"),
    "report.curve_y": ("损失（对数刻度）", "loss (log scale)"),
    "report.curve_legend": (
        "浅蓝色区域：参考答案在 {seeds} 个种子下的损失范围（最低到最高） · 橙线：你的损失",
        "light blue: the reference's losses over {seeds} seeds (lowest to highest) · orange line: yours",
    ),
    "report.curve_legend_alone": (
        "橙线：你的损失（尚未记录参考范围）",
        "orange line: your losses (no reference band recorded)",
    ),
    "report.curve_no_band": (
        "尚未记录参考答案的损失范围，无从比较。",
        "The reference's band is not recorded: nothing to compare with.",
    ),
    "report.curve_within": (
        "你的最终损失 {final} 在参考答案 {seeds} 个种子的范围（{low}–{high}）之内。",
        "Your final loss {final} is within the reference's range over {seeds} seeds ({low}–{high}).",
    ),
    "report.curve_near": (
        "你的最终损失 {final} 接近参考答案 {seeds} 个种子的范围（{low}–{high}）。",
        "Your final loss {final} is close to the reference's range over {seeds} seeds ({low}–{high}).",
    ),
    "report.curve_above": (
        "你的最终损失 {final} 高于参考答案 {seeds} 个种子的范围（{low}–{high}）：训练没有像参考答案那样把损失降下来。",
        "Your final loss {final} is above the reference's range over {seeds} seeds ({low}–{high}): your training does not bring the loss down as the reference's does.",
    ),
    "report.curve_below": (
        "你的最终损失 {final} 低于参考答案 {seeds} 个种子的范围（{low}–{high}）：检查损失是否在正确的目标上计算。",
        "Your final loss {final} is below the reference's range over {seeds} seeds ({low}–{high}): check that the loss is computed on the right targets.",
    ),
    "report.curve_count": (
        "你的训练计算了 {count} 次损失，参考答案是 {expected} 次。",
        "Your training computed the loss {count} times, the reference {expected} times.",
    ),
    "report.all_passed": ("全部测试集通过，恭喜！", "All test sets passed. Well done!"),
    "report.public_passed": ("公开测试集全部通过。", "All public test sets passed."),
    "report.hidden_later": (
        "另有 {count} 个隐藏测试集，提交评测时才会运行，得分以提交结果为准。",
        "{count} hidden test set(s) are run only when you submit: your score is the submission's.",
    ),
    "report.some_failed_lab": (
        "{failed} 个测试集未通过：对照每个测试集的预期输出与实际输出，改正后再试。",
        "{failed} test set(s) failed: compare each set's expected and actual output, fix, and try again.",
    ),
    "report.some_partial": ("{partial} 道题部分正确。", "{partial} question(s) partially correct."),
    "report.some_failed_quiz": (
        "{failed} 道题答错或未作答。",
        "{failed} question(s) wrong or not answered.",
    ),
    "report.ignored_edit": (
        "你修改了填空区域之外的代码（第 {lines} 行）；评测时这些修改被忽略，使用的是实验模板中的原始代码。",
        "You changed code outside the blanks (line(s) {lines}); those edits were ignored and "
        "the lab template's code was used instead.",
    ),
    "report.ignored_cells": (
        "你修改了锁定的模板单元格（第 {cells} 个单元格，从上往下数所有单元格）；评测时这些修改被忽略，"
        "使用的是实验模板中的原始代码。你自己添加的单元格不受影响。",
        "You changed the locked template cell(s) {cells} (counting every cell from the top); "
        "those edits were ignored and the lab template's code was used instead. Cells you "
        "added yourself are fine.",
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
    # --- class report (graders/batch/class_report.py, `seqlab report`) -----------------------
    "report.class_title": ("班级评测报告：{title}（{lab}）", "Class report: {title} ({lab})"),
    "report.class_summary": (
        "{count} 份提交 · 生成于 {date}",
        "{count} submissions · generated {date}",
    ),
    "report.class_stats": (
        "平均得分 {mean}% · 中位数 {median}% · 满分 {full} 份 · 零分 {zero} 份",
        "mean score {mean}% · median {median}% · full marks {full} · zero {zero}",
    ),
    "report.class_histogram": ("得分分布", "Score distribution"),
    "report.class_score_axis": ("得分（占满分的百分比）", "score (% of full marks)"),
    "report.class_count_axis": ("提交数", "submissions"),
    "report.class_pass_rate": ("各测试集通过率", "Pass rate per test set"),
    "report.class_passed": ("{percent}%（{passed}/{total}）", "{percent}% ({passed}/{total})"),
    "report.class_hidden": ("隐藏", "hidden"),
    "report.class_time": (
        "每份提交的评测时间（从慢到快）",
        "Grading time per submission (slowest first)",
    ),
    "report.class_seconds_axis": ("秒", "seconds"),
    "report.class_seconds_value": ("{seconds:.2f} 秒", "{seconds:.2f} s"),
    "report.class_median": ("中位数 {seconds:.2f} 秒", "median {seconds:.2f} s"),
    "report.class_verdicts": ("评测结果", "Verdicts"),
    "report.class_student": ("学生", "Student"),
    "report.class_total": ("总分", "Total"),
    "report.class_seconds": ("用时", "Time"),
    "report.class_not_graded": ("未评测该测试集", "this set was not graded"),
    "report.class_similarity": ("相似的提交", "Similar submissions"),
    "report.class_similarity_how": (
        "只比较 Begin/End 之间的代码：变量名、空白和注释已归一化，模板的占位代码不计。相似度是一方的代码在另一方中也出现的比例（取两者中较大的一个）；阈值 {threshold}%。",
        "Only the code between Begin and End is compared, with names, whitespace and comments normalised; the template's placeholder never counts. The score is the share of one side's code that the other side also has (the larger of the two); threshold {threshold}%.",
    ),
    "report.class_more_pairs": (
        "另有 {count} 对相似度较低的提交未在此列出，完整列表见 --similarity-csv 文件。",
        "{count} less similar pairs are not listed here; --similarity-csv writes them all.",
    ),
    "report.class_pair_a": ("学生 A", "Student A"),
    "report.class_pair_b": ("学生 B", "Student B"),
    "report.class_pair_score": ("相似度", "Similarity"),
    "report.class_share_a": ("A 的代码重合比例", "share of A's code"),
    "report.class_share_b": ("B 的代码重合比例", "share of B's code"),
    "report.class_note": ("备注", "Note"),
    "report.class_both_reference": (
        "两份都与参考答案相同（可能都写了标准解法，也可能都拿到了参考答案）",
        "both are the reference's code (the standard solution, written or obtained)",
    ),
    "report.class_one_reference": ("{student} 与参考答案相同", "{student} is the reference's code"),
    "report.class_no_pairs": ("没有相似度达到阈值的提交。", "No pair reaches the threshold."),
    "report.class_reference_list": (
        "填空代码与参考答案逐词相同（不计空白与注释）的提交：{students}",
        "Blanks identical to the reference's, token for token (whitespace and comments aside): {students}",
    ),
    "report.class_not_compared": (
        "未参与比较（没有源代码，或 Begin/End 标记损坏）：{students}",
        "Not compared (no source text, or broken Begin/End markers): {students}",
    ),
    "report.class_no_similarity": ("没有做相似度检查。", "No similarity check was run."),
    "report.class_no_records": (
        "评分册 {db} 中没有实验 {lab} 的评测记录。请先评测：`seqlab grade <提交> --lab {lab} --db {db}`",
        "The gradebook {db} holds no results for lab {lab}. Grade first: seqlab grade SUBMISSIONS --lab {lab} --db {db}",
    ),
    "report.class_bad_threshold": (
        "--threshold 应在 0 到 1 之间（例如 0.8），而不是 {value}。",
        "--threshold must be between 0 and 1 (e.g. 0.8), not {value}.",
    ),
    "report.class_written": ("已写入班级报告 {path}", "class report written to {path}"),
    "report.class_csv_written": ("已写入相似提交 CSV {path}", "similar pairs written to {path}"),
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
    "quiz.other_student": (
        "{path}：答题卡第一行写明它是学生“{header}”的试卷，但要求按学生“{given}”的试卷评分；"
        "每位学生的题目和选项顺序不同，按别人的试卷评分会得到错误的分数。请确认答题卡属于哪位学生："
        "去掉 --student（或改为 --student {header}），或把答题卡放进该学生的文件夹。",
        '{path}: the sheet\'s first line says it answers the paper of student "{header}", but it '
        "was to be scored against student \"{given}\"'s; each student's questions and options are "
        "shuffled differently, so scoring it against another paper would give a wrong score. "
        "Check whose sheet it is: drop --student (or give --student {header}), or put the "
        "sheet in that student's folder.",
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
    "course.release_no_stage": (
        "没有关卡不超过 {upto} 的实验：--upto 应不小于第一个实验的关卡（见 `seqlab list`）。",
        "No lab has a level up to {upto}: --upto should be at least the first lab's level (see `seqlab list`).",
    ),
    "course.release_holds_answers": (
        "注意：学生版中 {later} 的起始代码含有 {earlier} 的参考答案（{count} 行，例如 `{line}`）。学生可以从中抄到 {earlier} 的答案。请按关卡分阶段发布，例如先用 `seqlab release DIR --upto {upto}`。",
        "Warning: in this release, {later}'s starter holds {earlier}'s reference answer ({count} lines, e.g. `{line}`), which a student can copy. Hand out stages instead, e.g. `seqlab release DIR --upto {upto}` first.",
    ),
    "quiz.keyless": (
        "这份题库 {quiz} 是学生版，不含答案与解析：由教师评分。用 `seqlab quiz take {quiz} --save 答题卡.txt` 作答，再把答题卡交给教师（或在课程网站上作答）。",
        "This copy of quiz {quiz} is the students' one: it holds no answers or explanations, and your instructor scores it. Answer it with `seqlab quiz take {quiz} --save answers.txt` and hand in the sheet (or take it on the course website).",
    ),
    "quiz.saved_keyless": (
        "已答 {count} 题，答题卡保存在 {path}。这份题库不含答案：请把答题卡交给教师评分。",
        "Questions answered: {count}; the answer sheet is saved in {path}. This copy holds no answer key: hand the sheet in to be scored.",
    ),
    # fix16c: Ctrl-C in `seqlab quiz take` keeps what was answered.
    "quiz.interrupted_saved": (
        "已中断（Ctrl-C）。已答的 {count} 题保存在答题卡 {path} 中；未答的题目在答题卡上留空。",
        "Interrupted (Ctrl-C). The answers given so far ({count}) are saved in the answer "
        "sheet {path}; the questions not reached are left blank on it.",
    ),
    "quiz.interrupted_printed": (
        "已中断（Ctrl-C）。上面是已答的 {count} 题的答题卡：没有指定 --save，所以没有写入文件；"
        "需要时请复制保存。",
        "Interrupted (Ctrl-C). Above is the answer sheet of the answers given so far "
        "({count}): no --save was given, so no file was written; copy it if you need it.",
    ),
    "quiz.interrupted_unsaved": (
        "已中断（Ctrl-C）。无法写入 {path}（{reason}），所以把已答题目的答题卡打印在上面，请复制保存。",
        "Interrupted (Ctrl-C). {path} could not be written ({reason}), so the answer sheet "
        "of the answers given so far is printed above: copy it.",
    ),
    "quiz.interrupted_nothing": (
        "已中断（Ctrl-C）。还没有回答任何题目，所以没有保存答题卡。",
        "Interrupted (Ctrl-C). No question was answered yet, so no answer sheet was saved.",
    ),
    "quiz.nothing_answered": (
        "没有回答任何题目，所以没有保存答题卡（{path} 没有写入）。请重新运行 `seqlab quiz take`，至少回答一题；直接按回车是跳过该题。",
        "No question was answered, so no answer sheet was saved ({path} was not written). Run `seqlab quiz take` again and answer at least one question; pressing Enter alone skips a question.",
    ),
    "quiz.saved": (
        "答题卡已保存到 {path}。之后可以用 `seqlab quiz check {quiz} {path}{student}` 重新评分。",
        "Answer sheet saved to {path}. Score it again with `seqlab quiz check {quiz} {path}{student}`.",
    ),
    "file.exists": (
        "{path} 已经存在。为了不覆盖你的文件，请换一个文件名。",
        "{path} already exists. Choose another name; seqlab never overwrites your files.",
    ),
    # fix16b: a file to write, checked before any work (cli/common.new_file, empty_folder).
    "file.no_folder": (
        "无法写入 {path}：文件夹 {folder} 不存在。请先创建它，或换一个路径。",
        "Cannot write {path}: the folder {folder} does not exist. Create it first, or choose another path.",
    ),
    "file.folder_not_writable": (
        "无法写入 {path}：你没有在文件夹 {folder} 中创建文件的权限。请换一个路径。",
        "Cannot write {path}: you may not create files in the folder {folder}. Choose another path.",
    ),
    "file.not_a_folder": (
        "{path} 是一个文件，不是文件夹。请指定一个新的或空的文件夹。",
        "{path} is a file, not a folder. Give a new or empty folder.",
    ),
    "quiz.save_failed": (
        "无法写入 {path}（{reason}）。你的答题卡在上面，请复制保存，不要丢失。",
        "Could not write {path} ({reason}). Your answer sheet is printed above: copy it so nothing is lost.",
    ),
    "quiz.your_answer": ("你的答案：{answer}", "Your answer: {answer}"),
    # --- validate ------------------------------------------------------------------------------
    "validate.ok": ("通过", "ok"),
    "validate.fail": ("失败", "FAILED"),
    "validate.warning": ("警告", "warning"),
    "validate.unlock_order": ("关卡顺序未锁定", "level order not locked"),
    "validate.starter_sync": (
        "学生模板由参考答案生成且一致",
        "starter generated from the solution",
    ),
    "validate.notebook_sync": (
        "笔记本由学生模板和任务说明生成且一致",
        "notebook generated from the starter and the task page",
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
    "validate.no_jupyter": (
        "未检查：没有安装 `nbformat`，请在课程目录里运行 `pip install -e '.[jupyter]'`",
        "not checked: nbformat is not installed; run `pip install -e '.[jupyter]'` in the course folder",
    ),
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
    "cli.bad_arguments": (
        "{prog}：命令行参数有误：{problem}。用 `{prog} --help` 查看可用的选项。",
        "{prog}: {problem}. See `{prog} --help` for the options.",
    ),
    # argparse's own refusals, said again (cli/common.py ARGPARSE_SAID); {a}, {b}: its words.
    "cli.arg_invalid_value": ("参数 {a} 不能取 {b}", "argument {a} cannot be {b}"),
    "cli.arg_invalid_choice": (
        "参数 {a} 不能取 {b}（可选：{c}）",
        "argument {a}: invalid choice: {b} (choose from {c})",
    ),
    "cli.arg_expected": ("参数 {a} 缺少取值", "argument {a} needs a value"),
    "cli.arg_required": ("缺少必需的参数：{a}", "the following arguments are required: {a}"),
    "cli.arg_unrecognized": ("不认识的参数：{a}", "unrecognized arguments: {a}"),
    "cli.arg_other": ("参数 {a}：{b}", "argument {a}: {b}"),
    "cli.need_whole_number": (
        "“{value}” 不可用：请给出 {low} 到 {high} 之间的整数",
        "'{value}' cannot be used: give a whole number from {low} to {high}",
    ),
    "cli.need_whole_number_from": (
        "“{value}” 不可用：请给出不小于 {low} 的整数",
        "'{value}' cannot be used: give a whole number of at least {low}",
    ),
    "course.bad_number": ("{option} 的取值 {value} 不可用。", "{option} cannot be {value}."),
    "course.starter_written": ("{lab}：已生成学生模板 {path}", "{lab}: starter {path} written"),
    "course.starter_current": (
        "{lab}：学生模板 {path} 已是最新",
        "{lab}: starter {path} up to date",
    ),
    "course.notebook_written": ("{lab}：已生成笔记本 {path}", "{lab}: notebook {path} written"),
    "course.notebook_current": (
        "{lab}：笔记本 {path} 已是最新",
        "{lab}: notebook {path} up to date",
    ),
    "course.notebook_skipped": (
        "{lab}：笔记本 {path} 未生成（需要 `nbformat`）",
        "{lab}: notebook {path} not written (needs nbformat)",
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
    # seqlab sweep: one line per seed, then the count at full marks
    "course.sweep_seed": (
        "种子 {seed}：{score}/{max} {failures}",
        "seed {seed}: {score}/{max} {failures}",
    ),
    "course.sweep_summary": (
        "{lab}：{passed}/{total} 个种子满分",
        "{lab}: {passed}/{total} seeds at full marks",
    ),
    "course.new_written": ("已写入 {path}", "wrote {path}"),
    "course.new_next": (
        "编辑这些文件后运行：`seqlab build --lab {lab} --record && seqlab validate --lab {lab}`",
        "Edit these files, then run: seqlab build --lab {lab} --record && seqlab validate --lab {lab}",
    ),
    "course.new_bad_id": (
        "实验编号 {lab!r} 不可用：请用小写字母、数字和连字符，以字母开头，例如 `gru-step`。",
        "The lab id {lab!r} cannot be used: use lowercase letters, digits and hyphens, starting with a letter, e.g. gru-step.",
    ),
    "course.new_exists": (
        "{path} 已经存在，实验 {lab} 没有写入任何文件。`seqlab new` 从不覆盖已有文件；请换一个编号或先移走这些文件。",
        "{path} already exists; nothing was written for lab {lab}. seqlab new never overwrites files: choose another id or move them away first.",
    ),
    # --- seqlab list: column headers (also the labels of the narrow layout) -----------------------
    "course.list_level": ("级别", "level"),
    "course.list_id": ("编号", "id"),
    "course.list_kind": ("类型", "kind"),
    "course.list_title": ("标题", "title"),
    "course.list_file": ("文件 / 题数", "file / questions"),
    "course.list_public": ("公开", "public"),
    "course.list_hidden": ("隐藏", "hidden"),
    "course.list_points": ("分值", "points"),
    "course.list_lab": ("实验", "lab"),
    "course.list_quiz": ("测验", "quiz"),
    "course.list_fact": ("{name}：{value}", "{name}: {value}"),
    # --- seqlab demo --------------------------------------------------------------------------------
    "course.demo_reference": (
        "{lab}：参考答案（公开 + 隐藏测试集）",
        "{lab}: reference (public + hidden sets)",
    ),
    "course.demo_starter": ("{lab}：学生模板（公开测试集）", "{lab}: starter (public sets)"),
    "course.demo_sheet": (
        "{quiz}：为学生 {student} 的试卷准备的示例答题卡",
        "{quiz}: a sample sheet for student {student}'s paper",
    ),
    "course.demo_summary": ("演示小结", "Demo summary"),
    "course.demo_item": ("实验 / 测验", "lab / quiz"),
    "course.demo_reference_score": ("参考答案", "reference"),
    "course.demo_starter_score": ("学生模板", "starter"),
    "course.demo_time": ("用时", "time"),
    "course.demo_seconds": ("{seconds:.1f} 秒", "{seconds:.1f} s"),
    "course.demo_expected": (
        "参考答案在公开和隐藏测试集上评测，应得满分；学生模板（尚未填空）在公开测试集上评测，"
        "应得零分；测验一行是一份示例答题卡的得分，最后一题故意答错。",
        "References are graded on the public and hidden sets and should get full marks; starters "
        "(blanks not yet filled) on the public sets, and should get zero; a quiz's line is a "
        "sample answer sheet with its last answer wrong on purpose.",
    ),
    "course.demo_next": ("接下来可以试试：", "What to try next:"),
    "course.demo_next_serve": (
        "本机的网页平台（http://127.0.0.1:8000/）：学生登录、在浏览器里填空、提交评测、做测验；"
        "--roster roster.csv 导入名单",
        "the web platform on this machine (http://127.0.0.1:8000/): students sign in, fill the "
        "blanks in the browser, submit, take the quizzes; --roster roster.csv imports the class",
    ),
    "course.demo_next_jupyter": (
        "在 Jupyter 笔记本里（`jupyter lab exercises/`），先运行 `%load_ext graders.notebooks.magic`："
        "用公开测试集检查保存后的笔记本",
        "in a Jupyter notebook (jupyter lab exercises/), after %load_ext graders.notebooks.magic: "
        "checks the saved notebook on the public sets",
    ),
    "course.demo_next_grade": (
        "批量评测全班的提交（公开和隐藏测试集），写入成绩册；`seqlab gradebook export` 导出成绩",
        "grades a whole class's submissions (public + hidden sets) into a gradebook; seqlab "
        "gradebook export exports the scores",
    ),
    # --- the pytest plugin's options ----------------------------------------------------------------
    "plugin.bad_lang": (
        "{where} 中的 seqlab_lang = {value!r} 不可用：只能是 `zh` 或 `en`。",
        "seqlab_lang = {value!r} in {where} is not a language seqlab speaks: use zh or en.",
    ),
    # --- batch grading (collect, gradebook, feedback, summary) ------------------------------------
    "batch.symlink": (
        "{path} 是符号链接，没有评测（它可能指向任何人的文件，包括参考答案）。请给出真正的文件。",
        "{path} is a symbolic link, so it was not graded (it could point at anyone's file, the reference included). Give the real file.",
    ),
    "batch.zip_bad": (
        "{path} 不是可读的 zip 压缩包（{reason}）。请重新从教学平台下载。",
        "{path} is not a readable zip archive ({reason}). Download it again from the learning platform.",
    ),
    "batch.zip_too_many": (
        "{path} 含有 {count} 个成员，过多，没有读取。请分批打包。",
        "{path} has {count} members, too many to read. Split it into smaller archives.",
    ),
    "batch.zip_unsafe_path": (
        "{path} 中的成员 {member!r} 的路径指向压缩包之外（../ 或绝对路径），已拒绝。其余成员照常评测。",
        "{path}: member {member!r} has a path that leads outside the archive (../ or absolute), so it was refused. The other members are graded as usual.",
    ),
    "batch.zip_symlink": (
        "{path} 中的成员 {member!r} 是符号链接，已拒绝。请提交真正的文件。",
        "{path}: member {member!r} is a symbolic link and was refused. Submit the real file.",
    ),
    "batch.zip_too_big": (
        "{path} 中的成员 {member!r} 超过 {mb} MB（按解压出的字节计算），已拒绝：源代码不会这么大。其余成员照常评测。",
        "{path}: member {member!r} is larger than {mb} MB (counted as it was decompressed), so it was refused: source code is never that big. The other members are graded as usual.",
    ),
    "gradescope.link_outside": (
        "{path} 是一个符号链接，指向你上传的文件之外，所以没有读取它，记 0 分。请上传文件本身，而不是指向别处的链接。",
        "{path} is a symbolic link that leads outside your upload, so it was not read and scores 0. Upload the file itself, not a link to somewhere else.",
    ),
    # fix16b: which file of an upload with several is graded (gradescope_run.find_submission).
    "gradescope.graded_file": (
        "评测的是 {file}；上传中的其他文件（{ignored}）没有评测。",
        "Graded {file}; the other files of the upload ({ignored}) were not graded.",
    ),
    # fix16c: an upload of the whole lab folder, another lab's notebook, a link to a folder.
    "gradescope.starter_skipped": (
        "评测的是 {file}；这些文件仍是未改动的初始代码（没有填写任何填空），所以没有评测：{starter}。",
        "Graded {file}; not graded, as each is still the untouched starter (no blank filled "
        "in): {starter}.",
    ),
    "gradescope.other_lab": (
        "{file} 是实验 {other} 的笔记本（它的元数据这样写明），而本作业是实验 {lab}，记 0 分。"
        "请上传你在实验 {lab} 的笔记本或 .py 文件中完成的作业。",
        "{file} is the notebook of lab {other} (its metadata says so), but this assignment is "
        "lab {lab}, so it scores 0. Upload your work in lab {lab}'s notebook or .py file.",
    ),
    "gradescope.folder_link": (
        "{path} 中没有可评测的文件：其中的 {links} 是指向文件夹的符号链接，评测时不会跟随它。"
        "请上传文件本身，而不是指向别处的链接。",
        "{path} holds no file to grade: {links} is a symbolic link to a folder, which the "
        "grader does not follow. Upload the files themselves, not a link to where they are.",
    ),
    "gradescope.same_name": (
        "{path} 中有多个名为 {name} 的文件（{names}），无法判断要评测哪一个，记 0 分。请只上传其中一个。",
        "{path} holds more than one file named {name} ({names}), so it cannot tell which one to grade, and scores 0. Upload only one of them.",
    ),
    "batch.no_file": (
        "{path} 中没有可评测的文件（{suffixes}）。",
        "{path} holds no file to grade ({suffixes}).",
    ),
    "batch.ambiguous": (
        "{path} 中有多个候选文件（{names}），而且都不叫 {entry}。请只保留要评测的那一个，或把它命名为 {entry}。",
        "{path} holds several candidate files ({names}) and none is called {entry}. Keep only the one to grade, or name it {entry}.",
    ),
    "batch.duplicate": (
        "学生 {student} 出现了不止一次：评测最新的 {kept}，忽略 {dropped}。",
        "Student {student} appears more than once: grading the newest, {kept}; ignoring {dropped}.",
    ),
    "batch.need_lab": (
        "批量评测需要用 --lab 指定实验或题库，可选：{known}。",
        "Batch grading needs --lab to name the lab or quiz, one of: {known}.",
    ),
    "batch.nothing_found": (
        "在 {paths} 中没有找到任何提交。请给出文件、文件夹（<学号>.py 或 <学号>/<文件>）、nbgrader 的 submitted/ 目录或 zip 压缩包。",
        "No submissions found in {paths}. Give files, a folder (<student>.py or <student>/<file>), nbgrader's submitted/ folder or a .zip archive.",
    ),
    "batch.db_bad": (
        "无法使用成绩库地址 {url}：{reason}。请给出文件路径（SQLite）或类似 postgresql://user@host/db 的地址。",
        "The gradebook address {url} cannot be used: {reason}. Give a file path (SQLite) or a URL such as postgresql://user@host/db.",
    ),
    "batch.db_unreachable": (
        "无法打开成绩库 {url}：{reason}。请检查地址、服务器是否运行以及权限。",
        "The gradebook {url} cannot be opened: {reason}. Check the address, that the server runs, and the permissions.",
    ),
    "batch.db_missing": (
        "成绩库文件 {path} 不存在。请用 --db 指定 `seqlab grade` 写入的成绩库。",
        "The gradebook file {path} does not exist. Pass --db with the gradebook `seqlab grade` wrote.",
    ),
    "batch.db_used": ("成绩库：{url}", "gradebook: {url}"),
    "batch.export_not_empty": (
        "{path} 已存在且不是空文件夹。为了不覆盖任何文件，请给出一个新的或空的文件夹。",
        "{path} exists and is not an empty folder. Give a new or empty folder; seqlab never overwrites files.",
    ),
    "batch.per_set_needs_csv": (
        "--per-set 需要与 --csv <文件> 一起使用。",
        "--per-set goes with --csv FILE.",
    ),
    "batch.history_none": (
        "成绩册里没有学生 {student} 的成绩。请检查学号和 --db。",
        "The gradebook holds no grade of student {student}. Check the id and --db.",
    ),
    "batch.history_title": ("{student} 的成绩", "grades of {student}"),
    "batch.history_id": ("编号", "id"),
    "batch.history_lab": ("实验", "lab"),
    "batch.history_submitted": ("提交时间", "submitted"),
    "batch.history_status": ("状态", "status"),
    "batch.history_score": ("得分", "score"),
    "batch.history_record": ("计入成绩", "of record"),
    "batch.history_file": ("文件", "file"),
    "batch.history_chosen": ("✓（教师指定）", "✓ (chosen)"),
    "batch.choose_unknown": (
        "成绩册里没有编号为 {id} 的成绩。请用 `seqlab gradebook history --student 学号` 查看编号（`attempt/…` 或 `grade/…`）。",
        "The gradebook has no grade with id {id}. `seqlab gradebook history --student ID` lists the ids (attempt/N or grade/N).",
    ),
    "batch.choose_which": (
        "无法确定 {id} 指哪一个成绩：请写 `attempt/编号`（网页上的第几次提交，即 #编号）或 `grade/编号`（`seqlab gradebook history` 的编号栏）。",
        "{id} could be either of two things: write attempt/N (the web's attempt #N) or grade/N, as the id column of `seqlab gradebook history` shows.",
    ),
    "batch.choose_mismatch": (
        "{id} 是 {student} 在 {lab} 的成绩，不是 {want_student} 在 {want_lab} 的；什么也没有改。请用 `seqlab gradebook history --student {want_student} --lab {want_lab}` 查看编号。",
        "{id} is a grade of {student} in {lab}, not of {want_student} in {want_lab}; nothing was changed. `seqlab gradebook history --student {want_student} --lab {want_lab}` lists the right ids.",
    ),
    "batch.chosen": (
        "{id}（{file}，{score}）现在是 {student} 在 {lab} 的计入成绩（不论计分规则）；此前计入：{was}。",
        "{id} ({file}, {score}) is now {student}'s score of record for {lab}, whatever the rule; it was: {was}.",
    ),
    "batch.history_adjusted": ("✓（教师调整为 {score}）", "✓ (set by staff: {score})"),
    "batch.exported_csv": ("已写入 {path}（{count} 行）", "wrote {path} ({count} rows)"),
    "batch.exported_gradescope": (
        "已在 {path} 写入 {count} 个 results.json",
        "wrote {count} results.json under {path}",
    ),
    "batch.internal": (
        "评测系统内部出错（{error}），下次运行会重新评测。",
        "the grader failed internally ({error}); the next run grades it again.",
    ),
    "batch.status_error": ("无法评测（0 分）", "could not be graded (0 points)"),
    "batch.status_internal": ("内部错误", "internal error"),
    "batch.status_author": ("课程文件有误", "course file broken"),
    "batch.author": (
        "课程文件有误，这份提交没有计分：{reason} 修正课程文件后再次运行即会重新评测。",
        "A course file is broken, so this submission was not scored: {reason} Run again once the course file is fixed and it is graded again.",
    ),
    "web.error_course": (
        "这门课的课程文件（实验规格、模板、题库或课程设置）有误，这一页暂时无法打开；这不是你的问题，已记录在服务器日志中，请告知课程工作人员。其他关卡不受影响。",
        "A course file (a lab spec, a template, a quiz bank or the course settings) is broken, so this page cannot be shown for now; it is not your fault. The server's log says what is wrong: please tell the course staff. Other labs are not affected.",
    ),
    "web.unavailable": (
        "暂时无法打开（课程文件有误，已告知工作人员）：{ids}",
        "Unavailable for now (a course file is broken; the staff are told): {ids}",
    ),
    "web.author_error": (
        "这一关的课程文件有误，这次提交暂时无法评测；这不是你的问题。课程工作人员修正后会重新评测，届时本页会显示结果。",
        "This lab's course files are broken, so this attempt cannot be graded yet; it is not your fault. It is graded again once the course staff fix them, and this page then shows the result.",
    ),
    "store.too_old": (
        "成绩库 {url} 由更早版本的 seqlab 创建，其中保存的结果格式不同。请用新的成绩库（另一个文件或数据库），或先用创建它的版本导出成绩。",
        "The gradebook {url} was made by an older seqlab, whose stored results have another shape. Use a new gradebook (another file or database), or export its grades with the seqlab that made it first.",
    ),
    "store.not_gradebook": (
        "{url} 不是 seqlab 的成绩库（里面没有 seqlab 的表），没有读取也没有改动它。请用 --db 指定 `seqlab grade` 或 `seqlab serve` 写入的成绩库。",
        "{url} is not a seqlab gradebook (it holds no seqlab table); it was neither read nor changed. Pass --db with the gradebook `seqlab grade` or `seqlab serve` wrote.",
    ),
    "store.rules_shape": (
        '{path}：`[{name}]` 应当是一个表（例如 `[{name}]` 下一行写 `of_record = "best"`）。',
        '{path}: `[{name}]` should be a table (e.g. `[{name}]` with `of_record = "best"` on the next line).',
    ),
    "store.rules_unknown": (
        "{path}：`[scores]` 中没有这些设置：{names}。可用的只有 `of_record` 和 `[scores.labs]`。",
        "{path}: `[scores]` has no such settings: {names}. There are only `of_record` and `[scores.labs]`.",
    ),
    "batch.rules_used": (
        "计入成绩的规则：{rules}（课程 {course}）",
        "score of record: {rules} (course {course})",
    ),
    "batch.rules_default": (
        "计入成绩的规则：{rules}（未找到课程目录，使用默认规则；用 --course 指定课程）",
        "score of record: {rules} (no course folder found: the default rule; name the course with --course)",
    ),
    "store.rule_bad": (
        '{path} 中 `[scores]` 的 {name} = {value!r} 无效：计分规则只能是 `"best"`（最高分）或 `"last"`（最后一次提交）。',
        '{path}: [scores] {name} = {value!r} is not a rule: use "best" (the highest score) or "last" (the newest submission).',
    ),
    "batch.status_skipped": (
        "已评测过（相同文件与实验版本），跳过",
        "already graded (same file and spec), skipped",
    ),
    "batch.progress": ("评测中", "Grading"),
    "batch.progress_failed": ("未满分 {failed}", "below full marks {failed}"),
    "batch.summary_counts": (
        "共 {total} 份提交：本次评测 {graded}，跳过（成绩库中已有相同文件与实验版本的成绩）{skipped}，无法评测 {errors}，内部错误 {internal}；满分 {full}。",
        "{total} submissions: {graded} graded now, {skipped} skipped (already in the gradebook with the same file and spec), {errors} could not be graded, {internal} internal errors; {full} at full marks.",
    ),
    "batch.summary_distribution": ("得分分布", "Score distribution"),
    "batch.summary_score": ("得分率", "Score"),
    "batch.summary_pass_rate": ("各测试集通过率", "Pass rate per test set"),
    "batch.summary_set": ("测试集", "Test set"),
    "batch.summary_passed": ("通过", "Passed"),
    "batch.summary_verdicts": ("评测结果统计：{verdicts}", "Verdicts: {verdicts}"),
    "batch.summary_slowest": ("最慢的提交", "Slowest submissions"),
    "batch.summary_student": ("学生", "Student"),
    "batch.summary_seconds": ("秒", "Seconds"),
    "batch.summary_file": ("文件", "File"),
    "batch.feedback_student": ("学生 {student}", "Student {student}"),
    "batch.feedback_not_graded": ("无法评测：0 分", "could not be graded: 0 points"),
    "batch.feedback_written": ("反馈文件已写入 {path}", "feedback files written to {path}"),
    # --- reading limits (security review, issue 13): zip bombs, deep notebooks, files changed ---
    "file.too_big": (
        "{path} 超过 {mb} MB，没有读取：源代码和笔记本不会这么大。请确认给出的是正确的文件（文件本身未被修改）。",
        "{path} is larger than {mb} MB and was not read: source code and notebooks are never that big. Check that this is the right file (it was not changed).",
    ),
    "file.notebook_too_deep": (
        "{path} 不是可以读取的 Jupyter 笔记本：它的 JSON 嵌套过深或过大，无法解析。请在 Jupyter 中打开并重新保存它，或从课程提供的 .ipynb 重新开始（你的文件未被修改）。",
        "{path} is not a readable Jupyter notebook: its JSON is nested too deeply or is too large to parse. Open it in Jupyter and save it again, or start again from the course's .ipynb (your file was not changed).",
    ),
    "batch.zip_method": (
        "{path} 中的成员 {member!r} 使用 {method} 压缩，已拒绝：seqlab 只读取 Deflate 或 Stored（不压缩）的成员，只有这两种能在解压过程中限制大小。请用普通的压缩工具重新打包。其余成员照常评测。",
        "{path}: member {member!r} is compressed with {method}, so it was refused: seqlab reads only Deflate and Stored members, whose output it can bound while decompressing. Re-create the archive with an ordinary zip tool. The other members are graded as usual.",
    ),
    "batch.zip_ratio": (
        "{path} 中的成员 {member!r} 解压到 {mb} MB 时已超过其压缩大小的 {ratio} 倍，已停止读取并拒绝（疑似 zip 炸弹）。其余成员照常评测；如果它确实是学生的文件，请单独解压后检查。",
        "{path}: member {member!r} expanded to more than {ratio} times its compressed size ({mb} MB when reading stopped), so it was refused (a zip bomb?). The other members are graded as usual; if it really is a student's file, unpack it and check it on its own.",
    ),
    "batch.zip_budget": (
        "{path} 中的成员 {member!r} 没有读取：这个压缩包解压出的内容已达到每个压缩包 {mb} MB 的上限（疑似 zip 炸弹）。之前读取的成员照常评测；如果压缩包确实这么大，请拆分成几个较小的压缩包。",
        "{path}: member {member!r} was not read: this archive has already expanded to {mb} MB, the most one archive may (a zip bomb?). The members read before it are graded as usual; if the archive really is that big, split it into smaller ones.",
    ),
    "batch.budget": (
        "{path} 没有读取：本次批量评测读取的内容已达到 {mb} MB 的上限。之前读取的提交照常评测；请把其余的提交放到另一次运行中评测。",
        "{path} was not read: this batch has already read {mb} MB, the most one run may. The submissions read before it are graded as usual; grade the rest in another run.",
    ),
    "batch.changed": (
        "{path} 在收集之后、评测之前被改动了（SHA-256 不同），没有评测。请在文件不再变动后重新运行；已评测的提交会被跳过。",
        "{path} changed between being collected and being graded (its SHA-256 differs), so it was not graded. Run the command again once the files stay put; what was graded is skipped.",
    ),
    # --- notebooks (graders/notebooks/: .ipynb in and out, %seqlab, nbgrader) ---------------------
    "file.notebook_invalid": (
        "{path} 不是可以读取的 Jupyter 笔记本（{reason}）。请在 Jupyter 中打开并重新保存它，或从课程提供的 .ipynb 重新开始（你的文件未被修改）。",
        "{path} is not a readable Jupyter notebook ({reason}). Open it in Jupyter and save it again, or start again from the course's .ipynb (your file was not changed).",
    ),
    "file.notebook_markers": (
        "{path} 第 {cell} 个单元格（从上往下数，包括文字单元格）第 {line} 行：各代码单元格按顺序连起来后，填空标记有问题——{reason}",
        "{path}, cell {cell} (counting every cell from the top), line {line}: with the code cells joined in order, the blank markers are broken — {reason}",
    ),
    "file.notebook_magic": (
        "{path} 第 {cell} 个单元格（从上往下数，包括文字单元格）第 {line} 行：第 {blank} 空里的 `{text}` 是 IPython 命令（以 % 开头的魔法命令或以 ! 开头的命令行命令），不是 Python 代码；评测运行的是纯 Python 程序。请把这一行移到填空区域之外的单独单元格里，或删掉它。",
        "{path}, cell {cell} (counting every cell from the top), line {line}: `{text}` in blank {blank} is an IPython command (a %magic or !shell line), not Python; the grader runs plain Python. Move the line to a cell of its own outside the blanks, or delete it.",
    ),
    "notebook.intro": (
        "**在笔记本里完成本关。** 只有 `Begin`/`End` 标记之间的代码由你填写；锁定的单元格是实验模板，对它们的改动不会被评测。可以随意添加自己的单元格做实验，评测时会忽略它们（但填空区域里不能有 `%` 或 `!` 开头的 IPython 命令）。运行下面的检查单元格 `%seqlab check`：它先保存笔记本，再用公开测试集评测你在屏幕上看到的代码，与终端里的 `seqlab check {file}` 结果相同。最后一个单元格像 `python {entry}` 一样从标准输入读取测试输入；笔记本没有标准输入，所以在笔记本里它只显示一条说明，评测时才真正运行。",
        "**Doing this lab in the notebook.** Only the code between the `Begin`/`End` markers is yours; the locked cells are the lab's template, and edits to them are not graded. Add cells of your own to experiment as you like: grading ignores them (but a blank must not contain IPython commands starting with `%` or `!`). Run the check cell below, `%seqlab check`: it saves the notebook, then grades the code you see on screen on the public test sets, exactly like `seqlab check {file}` in a terminal. The last cell reads the test input from standard input, like `python {entry}`; a notebook has none, so in the notebook it only prints a note, and it runs when graded.",
    ),
    "notebook.not_found": (
        "找不到要评测的笔记本：内核没有告诉我笔记本的路径，当前文件夹 {cwd} 中也没有唯一一个以实验文件命名的 .ipynb。请写明路径，例如 `%seqlab check rnn_numpy.ipynb`。",
        "Cannot tell which notebook to grade: the kernel did not say, and the folder {cwd} does not hold exactly one .ipynb named like a lab's file. Give the path, e.g. `%seqlab check rnn_numpy.ipynb`.",
    ),
    "notebook.magic_usage": (
        "无法理解 `%seqlab {line}`。用法：`%seqlab check [笔记本路径] [--saved] [--lang zh|en] [--lab 实验] [--course 课程文件夹]`。",
        "Cannot understand `%seqlab {line}`. Usage: `%seqlab check [NOTEBOOK] [--saved] [--lang zh|en] [--lab LAB] [--course DIR]`.",
    ),
    # %seqlab check grades what is on screen (graders/notebooks/live.py).
    "notebook.saving": ("正在保存笔记本，然后评测……", "Saving the notebook, then grading…"),
    "notebook.not_saved": (
        "没有评测：笔记本在 {seconds} 秒内没有被保存，无法确认磁盘上的文件就是你屏幕上的代码（也许弹出了“文件已在磁盘上更改”的对话框，或这个界面不运行输出中的脚本）。请按 Ctrl-S 保存，再运行 `%seqlab check --saved`：它评测已保存的文件，保存之后的修改不算在内。",
        'Not graded: the notebook was not saved within {seconds} s, so seqlab cannot tell that the file on disk is the code on your screen (perhaps a "file changed on disk" dialog is open, or this frontend runs no scripts in output). Save it (Ctrl-S), then run `%seqlab check --saved`: it grades the file as saved, without any edit made after saving.',
    ),
    "notebook.cannot_save": (
        "没有评测：在 {frontend} 里，seqlab 无法让编辑器保存笔记本，也就看不到未保存的修改。请先保存（Ctrl-S），再运行 `%seqlab check --saved`：它评测已保存的文件，保存之后的修改不算在内。",
        "Not graded: in {frontend}, seqlab cannot have the editor save the notebook, so it cannot see unsaved edits. Save it (Ctrl-S), then run `%seqlab check --saved`: it grades the file as saved, without any edit made after saving.",
    ),
    "notebook.entry_skipped": (
        "这个单元格在评测时从标准输入读取测试输入；笔记本没有标准输入，这里不运行它。",
        "This cell reads the test input from standard input when graded; a notebook has none, so it is not run here.",
    ),
    "notebook.nbgrader_intro": (
        "**作业说明。** 只在 `Begin`/`End` 标记之间（`# YOUR CODE HERE` 处）写代码；其他单元格已锁定。**先保存笔记本**（Ctrl-S），再运行 `%seqlab check --lab {lab}` 单元格自查：它在评测沙箱里用公开测试集运行你的整个程序。最后的测试单元格：公开测试集的单元格（nbgrader 的 `Validate`（验证）也会运行它们）用 seqlab 检查该测试集，没通过时报错；提交后，评测程序在沙箱里用每个测试集（包括隐藏测试集）运行你的程序并在这些单元格里填写结果；隐藏测试集只显示判定结果。",
        "**How this assignment works.** Write code only between the `Begin`/`End` markers (at `# YOUR CODE HERE`); the other cells are locked. **Save the notebook first** (Ctrl-S), then run the `%seqlab check --lab {lab}` cell to check your work: it runs your whole program in the grader's sandbox on the public test sets. The test cells at the end: a public set's cell (nbgrader's Validate runs them too) checks that set with seqlab and fails when it does not pass; after you submit, the grader runs your program in its sandbox on every test set (hidden ones included) and fills in those cells; hidden sets show their verdict only.",
    ),
    "notebook.dir_not_empty": (
        "{path} 已存在且不是空文件夹。为了不覆盖你的文件，请指定一个新的或空的文件夹。",
        "{path} exists and is not an empty folder. To never overwrite your files, give a new or empty folder.",
    ),
    "notebook.needs_jupyter": (
        "{path}：生成这个笔记本需要 `nbformat`，它属于 seqlab 的可选 Jupyter 组件，目前没有安装。请在课程目录里运行 `pip install -e '.[jupyter]'`（学生版：`pip install './学生版目录[jupyter]'`）安装后重新运行这条命令。",
        "{path}: making this notebook needs nbformat, part of seqlab's optional Jupyter extra, which is not installed. Install it with `pip install -e '.[jupyter]'` in the course folder (a students' copy: `pip install './the-students-copy[jupyter]'`) and run the command again.",
    ),
    "notebook.exported": ("已写入 {count} 个文件到 {path}", "{count} files written to {path}"),
    "notebook.not_python": (
        "{path} 第 {line} 行不是合法的 Python（{reason}），无法切分成笔记本单元格。请先修正这个文件。",
        "{path}, line {line} is not valid Python ({reason}), so it cannot be cut into notebook cells. Fix the file first.",
    ),
    # --- nbgrader grades outside the kernel (issue 13: graders/notebooks/nbgrader_grade.py) ------
    "notebook.nbgrader_grade_cell": (
        "测试集 {number}「{name}」（{points} 分）：运行本单元格（nbgrader 的 `Validate`（验证）也会运行它）用 seqlab 检查这个公开测试集；提交后，评测程序在沙箱里运行你的程序并在此填写结果。详情请运行上面的 `%seqlab check`。",
        'Test set {number} "{name}" ({points} points): running this cell (nbgrader\'s Validate runs it too) checks this public set with seqlab; after you submit, the grader runs your program in its sandbox and fills in this cell. For the details, run %seqlab check above.',
    ),
    "notebook.nbgrader_grade_cell_hidden": (
        "隐藏测试集 {number}「{name}」（{points} 分）：提交后，评测程序在沙箱里运行你的程序并在此填写判定结果（不显示输入与输出）。",
        'Hidden test set {number} "{name}" ({points} points): after you submit, the grader runs your program in its sandbox and fills in this cell with the verdict (input and output are not shown).',
    ),
    # nbgrader's Validate runs the public sets' grade cells (graders/notebooks/validate.py).
    "notebook.validate_failed": (
        "公开测试集 {number}「{name}」没有通过（{verdict}，{points} 分）。请完成填空，再运行上面的 `%seqlab check` 单元格查看详情。",
        'Public test set {number} "{name}" did not pass ({verdict}, {points} points). Fill in the blanks, then run the %seqlab check cell above for the details.',
    ),
    "notebook.validate_unchecked": (
        "无法检查测试集 {number}：{reason}",
        "Test set {number} could not be checked: {reason}",
    ),
    "notebook.validate_no_course": (
        "这个笔记本不在它的课程文件夹里（{path} 及其上级都没有含 graders/labs/ 的课程文件夹）。"
        "请把笔记本移回你拿到它的作业文件夹（在课程文件夹内），再重新验证。",
        "this notebook is outside its course folder (no folder holding graders/labs/ at {path} "
        "or above it). Move the notebook back into the assignment folder you got it in (inside "
        "the course folder) and validate again.",
    ),
    "notebook.validate_no_seqlab": (
        "无法检查这个测试集：这个内核里没有安装 seqlab。请在运行笔记本的 Python 环境里安装它（`pip install 学生版课程目录`），并把笔记本放在学生版课程目录中。",
        "This test set cannot be checked: seqlab is not installed in this kernel. Install it in the Python environment that runs the notebook (`pip install PATH/TO/the-students-copy`), and keep the notebook inside the students' copy of the course.",
    ),
    # fix16b: seqlab is there but its Jupyter extra is not (nbgrader.VALIDATE); the headless
    # check cannot tell which notebook ran (live.executed_notebook).
    "notebook.validate_no_extra": (
        "无法检查这个测试集：这个内核里装了 seqlab，但缺少它的 Jupyter 组件所需的 Python 包 {module}。请在运行笔记本的 Python 环境里从你安装 seqlab 的目录重新安装，带上 Jupyter 组件：`pip install 'PATH/TO/学生版目录[jupyter]'`（教师的课程目录：`pip install -e 'PATH/TO/课程目录[jupyter]'`）。",
        "This test set cannot be checked: seqlab is installed in this kernel, but the package {module} of its Jupyter extra is missing. In the Python environment that runs the notebook, install it again from the folder you installed seqlab from, with its Jupyter extra: `pip install 'PATH/TO/the-students-copy[jupyter]'` (an instructor's course checkout: `pip install -e 'PATH/TO/course[jupyter]'`).",
    ),
    # a grade cell's set found by name (the students' copy has no hidden sets, so the
    # code-rules set's number is past its end); a broken code rule said in the cell's error.
    "notebook.validate_no_set": (
        "{path} 里 {lab} 的公开测试集中没有这个测试集（笔记本与课程目录的版本不一致）。请从课程重新获取这份作业的笔记本，把你的填空复制过去，再重新验证。",
        "the lab {lab} in {path} has no such public test set (the notebook and the course folder are from different versions). Fetch this assignment's notebook from the course again, copy your blanks into it and validate again.",
    ),
    "notebook.validate_rules": (
        "测试集 {number}「{name}」没有通过：{detail}",
        'Test set {number} "{name}" did not pass: {detail}',
    ),
    "notebook.headless_ambiguous": (
        "无法确定运行的是哪个笔记本：文件夹中有几个笔记本（{names}）的代码单元格开头都与内核运行过的单元格相同，之后却不同。请在打开的笔记本里用 `%seqlab check` 检查，或把其他副本移出这个文件夹。",
        "Cannot tell which notebook is running: several notebooks in the folder ({names}) begin with the cells the kernel ran but differ after them. Check with `%seqlab check` in the open notebook, or move the other copies out of this folder.",
    ),
    "notebook.nbgrader_not_graded": ("未能评测：0/{points} 分", "Not graded: 0/{points}"),
    "notebook.nbgrader_unknown_cell": (
        "第 {cell} 个单元格是评分单元格，但不是本实验的任何测试集：没有程序运行它，记 0 分。",
        "Cell {cell} is a grade cell but none of the lab's test sets: nothing runs it, so it scores 0.",
    ),
    "notebook.nbgrader_no_course": (
        "nbgrader_config.py 没有设置 c.SeqlabGrade.course（`seqlab export nbgrader` 写出的 seqlab 文件夹），无法评测。请在导出的课程文件夹里运行 nbgrader。",
        "nbgrader_config.py does not set c.SeqlabGrade.course (the seqlab folder `seqlab export nbgrader` wrote), so nothing can be graded. Run nbgrader in the exported course folder.",
    ),
    # --- the real tools: release specs, Gradescope uploads, install advice (issue 16) ------------
    # `--saved` in JupyterLab names only the notebook the server says is on screen
    # (graders/notebooks/server.py); never a file found where it used to be.
    "notebook.saved_unknown": (
        "没有评测：无法确定屏幕上的是哪个笔记本（Jupyter 服务器没有回答；内核启动时的文件夹 {cwd} 里的同名笔记本可能是另一个文件，比如移动或重命名之前留下的旧副本）。请写明已保存笔记本的路径，例如 `%seqlab check 文件夹/我的笔记本.ipynb`（相对于 {cwd}）。",
        "Not graded: seqlab cannot tell which notebook is on screen (the Jupyter server did not answer, and a notebook of that name in {cwd}, the folder the kernel started in, may be another file, such as an old copy left behind by a move or rename). Name the saved notebook's path, e.g. `%seqlab check folder/my_notebook.ipynb` (relative to {cwd}).",
    ),
    # Gradescope: an archive is not unpacked; every file left aside is named (gradescope_run).
    "gradescope.archive": (
        "{path} 中没有可评测的文件（{suffixes}），只有压缩包 {archives}：评测时不会解压压缩包，记 0 分。请直接上传 .py 或 .ipynb 文件本身。",
        "{path} holds no file to grade ({suffixes}), only the archive {archives}: archives are not unpacked, so it scores 0. Upload the .py or .ipynb file itself.",
    ),
    # every file of an upload named (course/upload_listing.py): the graded one alone,
    # the others, archives (not unpacked) and system files.
    "gradescope.graded_only": ("评测的是 {file}。", "Graded {file}."),
    "gradescope.not_graded": ("没有评测：{files}。", "Not graded: {files}."),
    "gradescope.archives_not_graded": (
        "压缩包不会解压，所以没有评测：{files}。如果你的作业在压缩包里，请上传文件本身。",
        "Archives are not unpacked, so these were not graded: {files}. If your work is inside "
        "one, upload the file itself.",
    ),
    "gradescope.system_files": (
        "系统文件（__MACOSX、以点开头的文件等），已忽略：{files}。",
        "System files (__MACOSX, dotfiles and the like), ignored: {files}.",
    ),
    "gradescope.also_ignored": ("也没有评测：{ignored}。", "Not graded either: {ignored}."),
    # --- web platform (graders/web/: seqlab serve) ------------------------------------------------
    "web.switch_lang": ("English", "中文"),
    "web.nav_course": ("课程", "Course"),
    "web.nav_instructor": ("教师", "Instructor"),
    "web.sign_in": ("登录", "Sign in"),
    "web.sign_out": ("退出", "Sign out"),
    "web.sign_in_failed": ("用户名或密码不正确。", "Wrong user name or password."),
    "web.username": ("用户名", "User name"),
    "web.password": ("密码", "Password"),
    "web.back_to_course": ("返回课程", "Back to the course"),
    "web.error_403": ("你没有权限查看这个页面。", "You may not see this page."),
    "web.error_404": ("找不到这个页面。", "This page does not exist."),
    "web.error_429": (
        "提交太频繁了，请稍等一分钟再评测。",
        "Too many submissions: wait a minute before grading again.",
    ),
    "web.error_csrf": (
        "表单已过期或来源不明，请刷新页面后重试。",
        "The form has expired or did not come from this site: reload the page and try again.",
    ),
    "web.error_other": ("请求无法处理。", "The request could not be handled."),
    "web.course_title": ("课程关卡", "Course levels"),
    "web.course_progress": ("已完成 {done}/{total} 关", "{done} of {total} levels done"),
    "web.level": ("第{level}关", "Level {level}"),
    "web.best_score": ("成绩 {score}/{max}", "score {score}/{max}"),  # the score of record
    "web.attempt_count": ("评测 {count} 次", "{count} attempt(s)"),
    "web.not_started": ("尚未开始", "not started"),
    "web.quizzes": ("选择题", "Quizzes"),
    "web.quiz": ("选择题", "Quiz"),
    "web.editor_hint": (
        "只能编辑 Begin 与 End 之间的代码（{file}）；其余部分由平台固定。",
        "Only the code between Begin and End is yours to edit ({file}); the rest is fixed by the platform.",
    ),
    "web.grade_button": ("评测", "Grade"),
    "web.results": ("评测结果", "Results"),
    "web.no_results": (
        "还没有评测结果。填好代码后点击“评测”。",
        "No results yet. Fill in the blanks and press Grade.",
    ),
    "web.history": ("评测记录", "Your attempts"),
    "web.no_attempts": ("还没有评测记录。", "No attempts yet."),
    "web.submitted_at": ("提交时间", "Submitted"),
    "web.status": ("状态", "Status"),
    "web.score": ("得分", "Score"),
    "web.status_queued": ("排队中", "queued"),
    "web.status_queued_at": ("排队中：第 {position} 位", "queued: number {position} in the queue"),
    "web.status_running": ("评测中……", "grading…"),
    "web.status_done": ("评测完成", "graded"),
    "web.status_error": ("评测系统出错", "grader failed"),
    # Each set's result as it ends (issue 17 item 2): while the others still run.
    "web.status_running_sets": (
        "评测中：已完成 {done} 个公开测试集……",
        "grading: public sets done: {done}…",
    ),
    "web.sets_so_far": (
        "下面是已经完成的测试集；全部完成后，这里显示最终结果。",
        "These sets have finished; the final result replaces them once every set is done.",
    ),
    "web.attempt_title": ("第 {id} 次提交", "Attempt {id}"),
    "web.submitted_code": ("提交的代码", "Submitted code"),
    "web.kind_single": ("单选题", "single choice"),
    "web.kind_multi": ("多选题", "multiple choice"),
    "web.points": ("{points} 分", "{points} points"),
    "web.quiz_submit": ("提交答案", "Submit answers"),
    "web.quiz_again": ("再做一次", "Take it again"),
    "web.your_choice": ("你的选择", "your choice"),
    "web.correct_choice": ("正确答案", "correct"),
    "web.gradebook": ("成绩册", "Gradebook"),
    "web.download_csv": ("下载成绩 CSV", "Download scores (CSV)"),
    "web.class_reports": ("各关班级报告", "Class report per lab"),
    "web.roster_title": ("导入学生名单", "Import the roster"),
    "web.roster_help": (
        "CSV 文件，表头为 username,name,password[,role]；role 为 student（默认）或 instructor。已有账号会更新姓名、角色和密码。",
        "A CSV file with the header username,name,password[,role]; role is student (default) or instructor. Existing accounts get the new name, role and password.",
    ),
    "web.roster_upload": ("导入", "Import"),
    "web.roster_imported": ("已导入 {count} 个账号。", "{count} account(s) imported."),
    "web.roster_missing": ("请选择一个 CSV 文件。", "Choose a CSV file."),
    "web.roster_not_utf8": (
        "名单文件不是 UTF-8 编码，请另存为 UTF-8 后重试。",
        "The roster is not UTF-8: save it as UTF-8 and try again.",
    ),
    "web.roster_header": (
        "{path}：表头缺少 {missing}（需要 username,name,password[,role]）。",
        "{path}: the header lacks {missing} (expected username,name,password[,role]).",
    ),
    "web.roster_username": (
        "{path} 第 {line} 行：用户名 “{username}” 不可用（不能为空、不能含 / 或控制字符、最长 100 个字符）。",
        "{path}, line {line}: the user name '{username}' cannot be used (empty, a /, control characters, or over 100 characters).",
    ),
    "web.roster_role": (
        "{path} 第 {line} 行：角色 “{role}” 未知，应为 student 或 instructor。",
        "{path}, line {line}: unknown role '{role}'; use student or instructor.",
    ),
    "web.roster_password": (
        "{path} 第 {line} 行：{username} 的密码少于 8 个字符。",
        "{path}, line {line}: the password of {username} is shorter than 8 characters.",
    ),
    "web.serve_started": (
        "seqlab 平台已启动：http://{host}:{port}/ （数据库 {db}；按 Ctrl-C 停止）",
        "seqlab platform running at http://{host}:{port}/ (database {db}; Ctrl-C stops it)",
    ),
    "web.serve_roster": (
        "已从 {path} 导入 {count} 个账号。",
        "{count} account(s) imported from {path}.",
    ),
    "web.serve_no_frontend": (
        "注意：没有找到编辑器脚本 {path}，实验页将使用普通文本框。运行 `make web` 构建它。",
        "Note: the editor bundle {path} is missing, so lab pages use a plain text box. Run `make web` to build it.",
    ),
    "web.serve_celery": (
        "评测任务发往 {broker}，由 `seqlab worker` 进程评测（本进程不运行学生代码）。",
        "Submissions go to {broker}; `seqlab worker` processes grade them (this process runs no student code).",
    ),
    "web.broker_waiting": (
        "`seqlab serve`：正在等待消息队列或数据库恢复：{reason}。恢复后，未评测的提交会自动重新发送。",
        "seqlab serve: waiting for the broker or the database: {reason}. Once they answer, "
        "the submissions not yet graded are sent again.",
    ),
    "web.worker_broker_waiting": (
        "`seqlab worker`：消息队列 {broker} 没有应答（{reason}），正在等待它恢复；在此之前提交的作业留在队列中，恢复后即开始评测。",
        "seqlab worker: the broker {broker} does not answer ({reason}); waiting for it. The "
        "submissions sent meanwhile wait in it and are graded once it answers.",
    ),
    "web.worker_started": (
        "seqlab 评测进程 {name} 已启动：{concurrency} 个进程，队列 {broker}，数据库 {db}（按 Ctrl-C 停止）",
        "seqlab worker {name} running: {concurrency} process(es), broker {broker}, database {db} (Ctrl-C stops it)",
    ),
    "web.worker_bad_concurrency": (
        "--concurrency 必须是 1 到 {most} 之间的整数，而不是 {value}。{why}",
        "--concurrency must be a whole number from 1 to {most}, not {value}. {why}",
    ),
    # Where a [platform] setting was set in a file (web.config_bad's {source}).
    "web.config_at": ("{path}（第 {line} 行）", "{path} (line {line})"),
    # Why graders side by side are bounded (web.need_graders, web.worker_bad_concurrency).
    "web.graders_why": (
        "本机有 {cores} 个处理器核，每核至多 {per_core} 个：再多也只是排队等处理器，"
        "而每个都带着自己的预热进程，白占内存。",
        "This machine has {cores} cores, {per_core} per core at most: more only wait for the "
        "processor, and each brings its own warm workers, memory that buys no speed.",
    ),
    "web.need_table": (
        "`[platform]` 必须是一个表：单独一行 `[platform]`，其下逐行写设置。",
        "[platform] must be a table: a line `[platform]` with its settings on the lines below.",
    ),
    "web.config_bad": (
        "{source} 中的设置 {name} 无效：{value}。{need}",
        "The setting {name} in {source} is not valid: {value}. {need}",
    ),
    # What each [platform] setting must be (web.config_bad's {need}).
    "web.need_queue": ("请写 `embedded` 或 `celery`。", "Write `embedded` or `celery`."),
    "web.need_graders": (
        "请写 0（每个处理器核一个）或 1 到 {most} 之间的整数。{why}",
        "Write 0 (one per core) or a whole number from 1 to {most}. {why}",
    ),
    "web.need_seconds": (
        "请写 {low} 到 {high} 之间的秒数。",
        "Write a number of seconds from {low} to {high}.",
    ),
    "web.need_known": ("已知的设置：{known}。", "The settings are: {known}."),
    "web.need_lease": (
        "它必须小于 visibility_timeout（任务被重新派发前，已停止的评测者的租约须先到期）。",
        "It must be less than visibility_timeout (a dead grader's lease must lapse before its "
        "job is handed out again).",
    ),
    "web.port_unusable": (
        "无法在 {host} 的端口 {port} 上启动平台：{reason}。请用 --port 换一个端口（例如另一个程序已占用这个端口）。",
        "The platform cannot listen on {host} port {port}: {reason}. Choose another with --port "
        "(another program may be using this one).",
    ),
    "web.need_broker": (
        "它必须是 `Redis` 地址，形如 redis://主机:端口/编号（例如 redis://127.0.0.1:6379/0；加密连接用 rediss://）。",
        "It must be a Redis address, redis://HOST:PORT/N (for example redis://127.0.0.1:6379/0; "
        "rediss:// for TLS).",
    ),
    "web.need_visibility": (
        "它必须大于 lease_seconds（当前为 {lease}；默认 30）：任务被重新派发前，已停止的评测者的租约须先到期。请调大它，或同时调小 lease_seconds。",
        "It must be more than lease_seconds (now {lease}; default 30): a dead grader's lease must "
        "lapse before its job is handed out again. Raise it, or lower lease_seconds with it.",
    ),
    "web.bad_rate": (
        "--rate 必须是正整数（每名学生每分钟可提交的次数），而不是 {value}。",
        "--rate must be a positive whole number (submissions per student per minute), not {value}.",
    ),
    "web.config_unreadable": (
        "无法读取配置文件 {path}：{reason}",
        "Cannot read the config file {path}: {reason}",
    ),
    "web.serve_not_loopback": (
        "`seqlab serve` 只监听本机地址（127.0.0.1、::1 或 localhost），不能监听 {host}；请在前面放一个 HTTPS 反向代理。",
        "seqlab serve listens on loopback only (127.0.0.1, ::1 or localhost), not {host}; put an https reverse proxy in front of it.",
    ),
    # --- web: sign-in throttle and body size limits (security review, issue 13) -----------------
    "web.sign_in_throttled": (
        "登录失败次数太多，请在 {seconds} 秒后再试（在此之前，即使密码正确也无法登录）。",
        "Too many failed sign-ins: try again in {seconds} seconds (until then even the right password is refused).",
    ),
    "web.error_nul": (
        "提交的代码中含有 NUL 字符（字节 0），Python 源文件不能包含它。请删除后重新提交（什么都没有保存）。",
        "The code contains a NUL character (byte 0), which no Python file may hold. Remove it and submit again (nothing was stored).",
    ),
    "web.error_413": (
        "请求内容太大，已被拒绝（例如提交的代码或名单文件过大）。",
        "The request is too large and was refused (the submitted code or roster file is too big).",
    ),
    # --- web: the class report, built in the background (issue 14) --------------------------------
    "web.report_preparing_title": ("正在生成班级报告：{lab}", "Preparing the class report: {lab}"),
    "web.report_preparing": (
        "正在汇总成绩并比较各份提交的相似度，人数多时需要一些时间。本页每 {seconds} 秒自动刷新，报告生成后会直接显示。",
        "The scores are being summed up and the submissions compared for similarity, which takes a while for a large class. This page reloads itself every {seconds} seconds and shows the report as soon as it is ready.",
    ),
    "web.report_refresh_now": ("立即刷新", "Reload now"),
    "web.report_updating": (
        "这是上次生成的报告；之后又有新的评测结果，正在更新。本页每 {seconds} 秒自动刷新，新报告生成后会直接显示。",
        "This is the report as last built; newer results have come in and it is being updated. This page reloads itself every {seconds} seconds and shows the new report as soon as it is ready.",
    ),
    "web.report_failed": (
        "班级报告生成失败（原因记录在服务器日志中）。重新打开本页会再试一次。",
        "The class report could not be built (the server's log says why). Open this page again to try once more.",
    ),
    # --- web: drafts and the lab page's keys and limits (issue 15, items 1 and 6) ------------------
    "web.draft_saved_at": ("草稿，保存于 {time}", "draft, saved at {time}"),
    "web.draft_saving": ("正在保存草稿……", "saving the draft…"),
    "web.draft_stale": (
        "另一个标签页或窗口保存了更新的草稿，本页的修改没有保存。请先复制需要保留的代码，再重新打开本页，从较新的草稿继续。",
        "A newer draft was saved from another tab or window, so this page's edits were not saved. Copy anything you want to keep, then open this page again to continue from the newer draft.",
    ),
    "web.draft_failed": (
        "草稿暂时无法保存到服务器；修改仍保存在本浏览器中，稍后会自动重试。",
        "The draft could not reach the server for now; your edits are kept in this browser and will be sent again shortly.",
    ),
    "web.session_expired": (
        "登录已过期。未保存的修改已保存在本浏览器中，不会丢失：重新登录后回到本页，它们会自动恢复并保存。",
        "Your session has ended. Your unsaved edits are kept in this browser and will not be lost: sign in again and they come back on this page and are saved.",
    ),
    "web.sign_in_again": ("重新登录", "Sign in again"),
    "web.need_sign_in": ("请先登录。", "Please sign in first."),
    "web.back_to_submitted": ("回到上次提交的代码", "Back to the last submitted code"),
    "web.back_to_starter": ("回到初始代码", "Back to the starter code"),
    "web.replaced": (
        "已替换编辑器中的代码（按 Ctrl-Z 可撤销）。",
        "The editor's code was replaced (Ctrl-Z undoes it).",
    ),
    "web.keys_hint": (
        "按 Ctrl-Enter（苹果电脑上为 Cmd-Enter）提交评测；在编辑器中按 Esc 离开编辑器，焦点移到“评测”按钮。",
        "Ctrl-Enter (Cmd-Enter on a Mac) grades; Esc leaves the editor and moves the focus to the Grade button.",
    ),
    "web.error_code_too_large": (
        "代码超过了 {limit} KB 的上限，没有提交（什么都没有保存）。是否粘贴了多余的内容？请删去后再评测。",
        "The code is over the {limit} KB limit and was not submitted (nothing was stored). Did a paste bring in more than you meant? Remove it and grade again.",
    ),
    "web.error_draft_too_large": (
        "草稿超过了 {limit} KB 的上限，没有保存。是否粘贴了多余的内容？请删去一些；编辑器中的文字仍在。",
        "The draft is over the {limit} KB limit and was not saved. Did a paste bring in more than you meant? Remove some; the text is still in the editor.",
    ),
    "web.error_draft_malformed": (
        "草稿保存请求不完整（缺少代码或版本号），草稿没有保存。请刷新实验页面后继续编辑。",
        "The draft save was incomplete (no code or version in it), so the draft was not saved. Reload the lab page and go on editing.",
    ),
    "web.error_malformed": (
        "提交的内容不完整（缺少代码或版本号），没有保存。请使用实验页面上的“评测”按钮提交。",
        "The submission was incomplete (no code or version in it) and nothing was stored. Use the Grade button on the lab page.",
    ),
    "web.the_starter": (
        "本关的初始代码（实验页上的“回到初始代码”）",
        "this lab's starter code (“Back to the starter code” on the lab page)",
    ),
    # --- web: the staff's view of a student, regrades and overrides (issue 15, item 4) -------------
    "web.student_title": ("学生：{name}（{username}）", "Student: {name} ({username})"),
    "web.student_staff_note": (
        "仅教师可见：本页包含隐藏测试集的输入、期望输出与实际输出。",
        "Staff only: this page shows the hidden sets' inputs, expected and actual outputs.",
    ),
    "web.student_no_attempts": ("还没有任何提交。", "No submissions yet."),
    "web.student_record": ("记录成绩：{score}/{max}", "Score of record: {score}/{max}"),
    "web.why_best": ("规则“最高分”：{which}", "rule “best”: {which}"),
    "web.why_last": ("规则“最后一次”：{which}", "rule “last”: {which}"),
    "web.why_chosen": ("教师指定：{which}", "chosen by staff: {which}"),
    "web.why_pending": (
        "{which} 正在重新评测，暂无记录成绩",
        "{which} is being graded again; nothing counts yet",
    ),
    "web.why_override": (
        "教师调整（原为 {old} 分，来自{which}）",
        "set by staff (was {old}, from {which})",
    ),
    "web.which_attempt": ("第 {id} 次提交", "attempt #{id}"),
    "web.attempt_record_mark": ("记录成绩", "of record"),
    "web.diff_previous": (
        "与上一次提交（#{id}）的差异",
        "Changes since the previous attempt (#{id})",
    ),
    "web.diff_none": ("与上一次提交相同。", "Same as the previous attempt."),
    "web.diff_first": ("这是本关的第一次提交。", "This is the lab's first attempt."),
    "web.hidden_sets": ("隐藏测试集（仅教师可见）", "Hidden sets (staff only)"),
    "web.hidden_not_kept": (
        "这次提交的隐藏测试集详情没有保存（评测于本功能之前或未能评测）；重新评测即可看到。",
        "This attempt's hidden-set details were not kept (graded before this page existed, or not graded); regrade it to see them.",
    ),
    "web.set_input": ("输入", "Input"),
    "web.set_expected": ("期望输出", "Expected output"),
    "web.set_actual": ("实际输出", "Actual output"),
    "web.set_stderr": ("错误输出", "Error output"),
    "web.regrade_attempt": ("重新评测这次提交", "Regrade this attempt"),
    "web.regrade_student_lab": (
        "重新评测该生本关全部提交",
        "Regrade all of this student's attempts",
    ),
    "web.regrade_lab": ("重新评测全班本关提交", "Regrade the whole class"),
    "web.regrade_title": ("重新评测：{lab}", "Regrade: {lab}"),
    "web.regrade_progress": (
        "重新评测中：已完成 {done}/{total}，排队 {queued}，评测中 {running}。本页每 {seconds} 秒自动刷新。",
        "Regrading: {done} of {total} done, {queued} queued, {running} grading. This page reloads itself every {seconds} seconds.",
    ),
    "web.regrade_finished": (
        "重新评测完成：{total} 次提交已评测。",
        "Regrade finished: {total} attempts graded.",
    ),
    "web.override_title": ("调整成绩", "Override the score"),
    "web.override_score": ("新成绩（0–{max}）", "New score (0–{max})"),
    "web.override_reason": ("原因（学生不可见）", "Reason (not shown to the student)"),
    "web.override_save": ("保存调整", "Save the override"),
    "web.override_remove": ("撤销此调整", "Remove this override"),
    "web.override_entry": (
        "{at}，{by}：{old} → {new}。原因：{reason}",
        "{at}, {by}: {old} → {new}. Reason: {reason}",
    ),
    "web.override_removed": ("（{at} 由 {by} 撤销）", "(removed {at} by {by})"),
    "web.override_bad_score": (
        "成绩“{given}”无效：请填写 0 到 {max} 之间的数字。",
        "The score “{given}” is not valid: give a number from 0 to {max}.",
    ),
    "web.override_no_reason": (
        "请写明调整成绩的原因（最多 1000 字）。",
        "Say why the score is overridden (at most 1000 characters).",
    ),
    "web.override_no_grade": (
        "{lab} 还没有成绩，无法调整：请先让学生提交或重新评测。",
        "{lab} has no grade yet, so there is nothing to override: the student submits first, or regrade.",
    ),
    "web.adjusted_by_staff": ("教师已调整", "adjusted by staff"),
    # --- named mistakes (graders/mistakes.py, issue 18 item 1) ------------------------------------
    "report.mistake": ("看起来像常见错误：{name}", "This looks like a common mistake: {name}"),
    "report.mistake_hint": (
        "看起来像常见错误：{name} — 提示：{hint}",
        "This looks like a common mistake: {name} — hint: {hint}",
    ),
    "spec.mistakes_unreadable": (
        "常见错误记录 {path} 无法读取（{reason}）。请运行 `seqlab build --record` 重新生成。",
        "The recorded mistakes {path} cannot be read ({reason}). Run `seqlab build --record` to write them again.",
    ),
    "spec.feedback_unknown": (
        "{path} 第 {line} 行：没有 `{key}` 这一设置。`[feedback]` 与每个实验的 `[feedback.labs.<实验>]` 中只有 `mistakes` 和 `blank_pointer`；请删掉或改正这一行。",
        "{path}, line {line}: there is no setting `{key}`. `[feedback]` and each lab's `[feedback.labs.<lab>]` have only `mistakes` and `blank_pointer`; remove or correct that line.",
    ),
    "spec.feedback_shape": (
        '{path} 第 {line} 行：`{name}` 应当是一个表，例如 `[feedback]` 下一行写 `mistakes = "hints"`，`[feedback.labs]` 下一行写 `<实验 id> = "off"`。',
        '{path}, line {line}: `{name}` should be a table, e.g. `[feedback]` with `mistakes = "hints"` on the next line, or `[feedback.labs]` with `<lab id> = "off"`.',
    ),
    "spec.feedback_bad": (
        '{path} 第 {line} 行：{key} = {value} 无效。常见错误的反馈只能是 `"hints"`（名称和提示）、`"names"`（只给名称）或 `"off"`（不显示，例如考试）。',
        '{path}, line {line}: {key} = {value} is not a choice. Feedback on common mistakes is `"hints"` (name and hint), `"names"` (the name only) or `"off"` (none, e.g. for an exam).',
    ),
    "course.band_recorded": (
        "{lab}：已记录参考答案在各个种子下的损失范围（{path}）",
        "{lab}: the reference's loss band across the seed sweep recorded ({path})",
    ),
    "course.mistakes_recorded": (
        "{lab}：已记录 {count} 个常见错误变体的输出（{path}）",
        "{lab}: outputs of {count} named mistake variants recorded ({path})",
    ),
    "course.mistakes_none": (
        "{lab}：错题库中没有命名的常见错误",
        "{lab}: no named mistakes in the corpus",
    ),
    "validate.band": ("参考损失范围", "reference loss band"),
    "validate.band_current": ("记录是最新的", "recorded, up to date"),
    "validate.band_stale": (
        "记录已过期（参考答案已修改）：请运行 `seqlab build --record --lab {lab}`",
        "the band is stale (the reference changed): run `seqlab build --record --lab {lab}`",
    ),
    "validate.band_missing": (
        "题目声明了损失曲线，但参考范围尚未记录：请运行 `seqlab build --record --lab {lab}`",
        "the lab declares a loss curve whose band is not recorded: run `seqlab build --record --lab {lab}`",
    ),
    "validate.mistakes": ("常见错误记录", "recorded mistakes"),
    "validate.mistakes_current": (
        "{count} 个命名变体，记录是最新的",
        "{count} named variants, records up to date",
    ),
    "validate.mistakes_stale": (
        "记录已过期（题目规格、参考答案或错题库已修改）：请运行 `seqlab build --record --lab {lab}`",
        "the records are stale (the spec, reference or corpus changed): run `seqlab build --record --lab {lab}`",
    ),
    "validate.mistakes_missing": (
        "错题库有命名的常见错误，但尚未记录：请运行 `seqlab build --record --lab {lab}`",
        "the corpus names mistakes that are not recorded: run `seqlab build --record --lab {lab}`",
    ),
    "validate.mistakes_orphan": (
        "错题库已没有命名的常见错误，但记录还在：请运行 `seqlab build --record --lab {lab}`",
        "recorded mistakes remain but the corpus names none: run `seqlab build --record --lab {lab}`",
    ),
    # --- the course calendar and rules (issue 15, item 2): course_config.py, web/deadlines.py ---
    "course.bad_setting": (
        "{where}：`{name}` = {value} 无效。{fix}",
        "{where}: `{name}` = {value} is not valid. {fix}",
    ),
    "course.extension_off_roster": (
        "警告：{where}：[extensions.{student}] 给 {student} 的 {item} 延期，但 {student} 不在名单中，这个延期不会给任何人{near}。请改用名单中的学号，或删除这一行。",
        "warning: {where}: [extensions.{student}] extends {item} for {student}, who is not on the roster, so it extends it for no one{near}. Use a roster id, or remove the line.",
    ),
    "course.nearest_id": ("（最接近的学号：{near}）", " (the nearest id: {near})"),
    "course.where_line": ("{path} 第 {line} 行", "{path}, line {line}"),
    "course.where_file": ("{path}", "{path}"),
    "course.where_web": (
        "课程规则页（教师在网页上保存的设置）",
        "The course rules page (a setting an instructor saved on the web)",
    ),
    "course.fix_item": (
        "课程里没有这个实验或测验（是不是 `{near}`？）。可用的有：{known}。",
        "The course has no lab or quiz by that id (did you mean `{near}`?). Its labs and quizzes: {known}.",
    ),
    "course.fix_unknown": (
        "没有这个设置：请删除它或改正拼写（可用的设置见 `README.md` 的“课程日历与规则”）。",
        'There is no such setting: remove it or fix its spelling (README, "Course calendar and rules", lists them).',
    ),
    "course.fix_table": (
        "seqlab.toml 只有这些表：`[course]` `[scores]` `[late]` `[quizzes]` `[calendar.<编号>]` `[extensions.<学生>]` `[unlock]` `[platform]`。",
        "seqlab.toml has only these tables: [course] [scores] [late] [quizzes] [calendar.<id>] [extensions.<student>] [unlock] [platform].",
    ),
    "course.fix_timezone": (
        '请写时区数据库中的时区名，例如 `timezone = "Asia/Shanghai"`。',
        'Write an IANA time zone name, e.g. timezone = "Asia/Shanghai".',
    ),
    "course.fix_time": (
        "请写日期和时间，例如 `2026-09-15 23:59:00`（课程时区）或 `2026-09-15T23:59:00+08:00`。",
        "Write a date and time, e.g. 2026-09-15 23:59:00 (the course's time zone) or 2026-09-15T23:59:00+08:00.",
    ),
    "course.fix_percent": (
        "请写 0 到 100 之间的百分数，例如 `per_day = 10`。",
        "Write a percentage from 0 to 100, e.g. per_day = 10.",
    ),
    "course.fix_count": (
        "请写数字：`attempts` 为不小于 1 的整数，`cooldown_minutes` 不小于 0。",
        "Write a number: attempts a whole number of 1 or more, cooldown_minutes 0 or more.",
    ),
    "course.fix_policy": (
        '请写 `"penalty"`（迟交按天扣分，最低保留 `floor`）或 `"closed"`（截止后不接受提交）。',
        'Write "penalty" (a late submission loses per_day percent a day, keeping at least floor) or "closed" (nothing is taken after due).',
    ),
    "course.fix_answers": (
        '请写 `"never"`、`"after_due"` 或 `"immediately"`。',
        'Write "never", "after_due" or "immediately".',
    ),
    "course.fix_order": (
        "时间须依次为 `open`、`due`、`lock`。",
        "The times must come in order: open, then due, then lock.",
    ),
    # --- 关卡 unlocking (issue 15, item 3): store/unlock.py, web/unlock.py, validate ---------
    "course.fix_unlock_mode": (
        '请写 `"off"`（不锁）、`"sequential"`（按关卡顺序：前一关通过后才开放）或 `"requires"`（只按各项的 `requires`）。',
        'Write "off" (nothing locked), "sequential" (a level opens once the level below is passed) or "requires" (only the items\' own requires lists).',
    ),
    "course.fix_requires": (
        '请写实验或测验编号的列表，例如 `requires = ["seq2seq"]`（不能包含它自己）。',
        'Write a list of lab or quiz ids, e.g. requires = ["seq2seq"] (not the item itself).',
    ),
    "course.fix_cycle": (
        "这些项互相要求先通过，永远不会开放：请删掉其中一个 `requires`。",
        "These items require one another and would never open: remove one of the requires.",
    ),
    "rules.unlock_by": (
        "需先通过：{labs}（得分达到满分的 {percent}%）",
        "Opens once you pass: {labs} (a score of {percent}% of its points)",
    ),
    "rules.unlock_until": ("{when} 开放", "Opens {when}"),
    "rules.unlock_refused": (
        "{item} 尚未解锁。{why}",
        "{item} is locked. {why}",
    ),
    "rules.unlock_tag": ("未解锁", "locked"),
    "rules.unlock_title": ("未解锁：请先完成 {needed}", "Locked: finish {needed} first"),
    "rules.unlock_title_date": ("未解锁", "Locked"),
    "rules.unlock_needed_closed": (
        "{item} 已对你关闭，无法再通过；请联系教师（教师可以在你的页面为它设定成绩，或给你延期）",
        "{item} is closed for you and can no longer be passed: ask your instructor, who can set its score on your page or give you an extension",
    ),
    "web.download_canvas": ("下载 Canvas 成绩导入 CSV", "Download Canvas grade import CSV"),
    "web.download_moodle": ("下载 Moodle 成绩导入 CSV", "Download Moodle grade import CSV"),
    "validate.unlock_leak": (
        '{lab} 的学生模板含有 {earlier} 的参考答案中填空的代码（{lines}），而课程没有锁定关卡顺序：学生可以从这里抄到 {earlier} 的答案。请在 seqlab.toml 中写 `[unlock] mode = "sequential"`（或 `[calendar.{lab}] requires = ["{earlier}"]`），或用 `seqlab release --upto` 分阶段发放',
        '{lab}\'s starter holds lines of {earlier}\'s blanks from its reference ({lines}) and the course does not lock the order: a student can copy {earlier}\'s answer from it. Write [unlock] mode = "sequential" (or [calendar.{lab}] requires = ["{earlier}"]) in seqlab.toml, or hand out stages with `seqlab release --upto`',
    ),
    "rules.opens": ("{when} 开放", "Opens {when}"),
    "rules.due_in": ("截止 {when}（还有 {left}）", "Due {when} (in {left})"),
    "rules.due_passed": ("截止 {when}（已过 {left}）", "Due {when} (passed {left} ago)"),
    "rules.locks": ("{when} 之后不再接受提交", "Nothing is taken after {when}"),
    "rules.locked": ("已于 {when} 关闭", "Closed at {when}"),
    "rules.late_penalty": (
        "迟交每（开始的）一天扣 {per_day}% ，最低保留 {floor}%",
        "Late: {per_day}% off per started day, keeping at least {floor}%",
    ),
    "rules.late_closed": ("截止后不接受提交", "Nothing is taken after the due time"),
    "rules.late_now": (
        "现在提交算迟交 {days} 天，保留 {percent}% 的得分",
        "Handed in now it is {days} day(s) late and keeps {percent}% of its score",
    ),
    "rules.attempts_left": ("剩余作答次数：{left}/{total}", "Attempts left: {left} of {total}"),
    "rules.cooldown_left": ("还需等待 {left} 才能再次作答", "You can answer again in {left}"),
    "rules.answers_never": ("本测验不公布正确答案", "This quiz's answers are never shown"),
    "rules.answers_after": (
        "正确答案与解析在截止且不再收取任何人的答卷（{when}）后公布",
        "The answers and explanations are shown after the deadline, once the quiz takes no one's answers any more ({when})",
    ),
    "rules.answers_no_due": (
        "正确答案在本测验不再收取答卷后公布；本测验仍收取答卷（没有锁定时间，逾期答卷也计分），因此暂不公布",
        "The answers are shown once the quiz takes no more answers; it still takes them (no lock, and late answers count), so they are not shown yet",
    ),
    "rules.answers_now": (
        "提交后即显示正确答案与解析",
        "The answers and explanations are shown once you submit",
    ),
    "rules.empty_attempt": (
        "这次没有选择任何选项：记为一次作答，不显示答案。",
        "Nothing was chosen: this counts as an attempt and shows no answers.",
    ),
    "rules.late_score": (
        "迟交 {days} 天：原分 {raw}，计 {score}",
        "{days} day(s) late: raw {raw}, counts {score}",
    ),
    "rules.refused_not_open": (
        "{item} 尚未开放（{when} 开放）；这次提交没有保存。",
        "{item} is not open yet (it opens {when}); nothing was stored.",
    ),
    "rules.refused_locked": (
        "{item} 已于 {when} 关闭，不再接受提交；这次提交没有保存。",
        "{item} closed at {when} and takes no more submissions; nothing was stored.",
    ),
    "rules.refused_closed": (
        "{item} 的截止时间 {when} 已过，本课程截止后不接受提交；这次提交没有保存。",
        "{item} was due {when}, and this course takes nothing after the due time; nothing was stored.",
    ),
    "rules.refused_attempts": (
        "{item} 最多可作答 {total} 次，你已用完；这次提交没有保存。",
        "{item} may be answered {total} time(s) and you have used them all; nothing was stored.",
    ),
    "rules.refused_cooldown": (
        "两次作答之间须间隔 {minutes} 分钟，请在 {left} 后再提交；这次提交没有保存。",
        "Answers must be {minutes} minute(s) apart: submit again in {left}; nothing was stored.",
    ),
    "rules.days": ("{n} 天 {h} 小时", "{n} d {h} h"),
    "rules.hours": ("{h} 小时 {m} 分", "{h} h {m} min"),
    "rules.minutes": ("{m} 分 {s} 秒", "{m} min {s} s"),
    "batch.late": (
        "{student}：迟交 {days} 天，计入成绩时保留 {percent}% 的得分。",
        "{student}: {days} day(s) late; its score of record keeps {percent}% of its score.",
    ),
    "batch.not_counted": (
        "{student}：文件修改于 {when}（视为提交时间），此时 {item} 已不再接受提交（{rule}）；本次照常评测，但不计入成绩。",
        "{student}: the file was changed {when} (its submission time), when {item} no longer took submissions ({rule}); it is graded, but does not count.",
    ),
    # Red team 15e: two instructors on the rules page; settings that must be finite.
    "rules.changed_since": (
        "打开本页之后，规则已被他人修改：请重新加载本页；你填写的内容保留在下方，"
        "与现已保存的值不同之处已注明。本次未保存任何内容。",
        "The rules were changed by someone else since you opened this page — reload it; your "
        "entries are kept below, and where they differ from what is saved now it is noted. "
        "Nothing was saved.",
    ),
    "course.fix_attempts": (
        "请把 `attempts` 写成 1 到 {most} 之间的整数，例如 `attempts = 3`；不限次数则删去此项。",
        "Write attempts as a whole number from 1 to {most}, e.g. attempts = 3; for no limit, "
        "leave it out.",
    ),
    "course.fix_cooldown": (
        "请把 `cooldown_minutes` 写成 0 到 527040（一年）之间的分钟数，例如 `cooldown_minutes = 10`。",
        "Write cooldown_minutes as minutes from 0 to 527040 (a year), e.g. cooldown_minutes = 10.",
    ),
    "rules.extension_idle": (
        "{student} 的 {item} 延期（{when}）不晚于全班的截止时间（{due}），因此不起作用："
        "延期从不缩短截止时间。请填写更晚的时间，或删除这项延期。",
        "{student}'s extension of {item} ({when}) is not later than the class's due time "
        "({due}), so it has no effect: an extension never shortens a due time. Give a later "
        "time, or remove the extension.",
    ),
    "validate.extension_idle_check": ("延期：不起作用", "extension: has no effect"),
    "rules.now_saved": ("现已保存：{value}", "saved now: {value}"),
    "rules.title": ("课程日历与规则", "Course calendar and rules"),
    "rules.precedence": (
        "这里保存的设置优先于课程目录中 seqlab.toml 的设置（文件中的值是默认值，显示在输入框中的灰色提示里）；清空一项并保存即恢复文件中的值。时间按课程时区 {zone} 填写，例如 2026-09-15 23:59。",
        "Settings saved here win over the course's seqlab.toml (the file's values are the defaults, shown greyed in each box); clear a box and save to go back to the file's value. Times are in the course's time zone {zone}, e.g. 2026-09-15 23:59.",
    ),
    "rules.course_wide": ("全课程", "Whole course"),
    "rules.item": ("项目", "Item"),
    "rules.save": ("保存", "Save"),
    "rules.saved": ("已保存。", "Saved."),
    "rules.extensions": ("延期", "Extensions"),
    "rules.student": ("学生", "Student"),
    "rules.grant": ("给予延期", "Grant the extension"),
    "rules.field_open": ("开放", "open"),
    "rules.field_due": ("截止", "due"),
    "rules.field_lock": ("关闭", "lock"),
    "rules.field_attempts": ("次数上限", "attempts"),
    "rules.field_cooldown_minutes": ("间隔（分钟）", "cool-down (min)"),
    "rules.field_answers": ("公布答案", "answers shown"),
    "rules.field_of_record": ("计分规则", "score of record"),
    "rules.field_late_policy": ("迟交规则", "late policy"),
    "rules.field_per_day": ("每天扣分 %", "% off per day"),
    "rules.field_floor": ("最低保留 %", "floor %"),
    "rules.field_unlock": (
        "关卡解锁（off/sequential/requires）",
        "unlocking (off/sequential/requires)",
    ),
    "rules.field_pass": ("通过线 %（解锁下一关）", "pass % (opens the next level)"),
    "rules.field_requires": ("需先通过（编号，逗号分隔）", "requires (ids, comma-separated)"),
    "rules.link": ("日历与规则", "Calendar and rules"),
    # --- LTI 1.3 tool (graders/web/lti/, `seqlab lti`, issue 15 item 5) -------------------------
    "lti.launch_bad": (
        "无法从学习平台进入 seqlab：这次启动请求无效。请回到学习平台重新打开这个作业；若仍不行，请告诉课程教师。",
        "seqlab could not be opened from your learning platform: the launch was not valid. Go back to the platform and open the assignment again; if it still fails, tell your instructor.",
    ),
    "lti.token_bad": (
        "无法从学习平台进入 seqlab：启动凭证的签名或受众不对（不是这个平台为 seqlab 签发的）。请让课程教师检查平台里的 seqlab 注册。",
        "seqlab could not be opened from your learning platform: the launch token's signature or audience is wrong (it was not issued to seqlab by this platform). Ask your instructor to check seqlab's registration in the platform.",
    ),
    "lti.token_expired": (
        "无法从学习平台进入 seqlab：启动凭证已过期。请回到学习平台重新打开这个作业。",
        "seqlab could not be opened from your learning platform: the launch token has expired. Go back to the platform and open the assignment again.",
    ),
    "lti.replayed": (
        "这次启动已经用过了（每次启动只能用一次）。请回到学习平台重新打开这个作业。",
        "This launch has already been used (each launch works once). Go back to the platform and open the assignment again.",
    ),
    "lti.state_bad": (
        "无法从学习平台进入 seqlab：浏览器没有带回登录状态（可能禁用了网站数据，或在框架中打开）。请在新窗口中打开这个作业。",
        "seqlab could not be opened from your learning platform: the browser did not bring back the sign-in state (cookies blocked, or opened in a frame). Open the assignment in a new window.",
    ),
    "lti.platform_unknown": (
        "这个学习平台（或它的客户端标识）还没有在 seqlab 注册。课程管理员可用 `seqlab lti add-platform` 注册。",
        "This learning platform (or its client id) is not registered with seqlab. The course's administrator registers it with `seqlab lti add-platform`.",
    ),
    "lti.deployment_unknown": (
        "这个学习平台的部署标识还没有在 seqlab 注册。课程管理员可用 `seqlab lti add-platform … --deployment 部署标识` 添加。",
        "This deployment of the learning platform is not registered with seqlab. The course's administrator adds it with `seqlab lti add-platform … --deployment ID`.",
    ),
    "lti.target_unknown": (
        "学习平台指向的实训或测验在本课程中不存在。请让课程教师在平台中重新选择 seqlab 的实训。",
        "The lab or quiz the learning platform points to is not in this course. Ask your instructor to pick the seqlab lab again in the platform.",
    ),
    "lti.deep_link_staff": (
        "只有教师和助教可以在学习平台中添加 seqlab 实训。",
        "Only instructors and teaching assistants can add seqlab labs in the learning platform.",
    ),
    "lti.nothing_picked": (
        "没有选择任何实训或测验。请返回并至少勾选一项。",
        "No lab or quiz was picked. Go back and tick at least one.",
    ),
    "lti.pick_title": (
        "选择要添加到学习平台的实训和测验",
        "Pick the labs and quizzes to add to the learning platform",
    ),
    "lti.pick_help": (
        "每一项会成为平台中的一个作业，带成绩列；学生的记录成绩会自动回传。",
        "Each becomes an assignment in the platform, with a gradebook column; students' scores of record are sent back to it.",
    ),
    "lti.pick_submit": ("添加到学习平台", "Add to the learning platform"),
    "lti.returning": ("正在返回学习平台……", "Returning to the learning platform…"),
    "lti.return_button": (
        "返回学习平台（{count} 项）",
        "Back to the learning platform ({count} item(s))",
    ),
    "lti.url_bad": (
        "{option} 的值 `{value}` 不是可用的地址：必须是完整的 https:// 地址（仅本机回环地址可用 http://）。请从学习平台的 `LTI 1.3` 工具注册页复制。",
        "{option} `{value}` is not a usable address: it must be a full https:// URL (http:// only on this machine's loopback). Copy it from the LTI 1.3 tool registration page of your learning platform.",
    ),
    "lti.value_bad": (
        "{option} 的值 `{value}` 无效：不能为空，最多 300 个可打印字符。请从学习平台的 `LTI 1.3` 工具注册页复制。",
        "{option} `{value}` is not valid: it must be non-empty, at most 300 printable characters. Copy it from the LTI 1.3 tool registration page of your learning platform.",
    ),
    "lti.platform_added": (
        "已注册平台 {issuer}（客户端标识 {client_id}，部署 {deployments}）。",
        "Platform {issuer} registered (client id {client_id}, deployments {deployments}).",
    ),
    "lti.no_platforms": (
        "还没有注册任何学习平台。用 `seqlab lti add-platform` 注册。",
        "No learning platform is registered yet. Register one with `seqlab lti add-platform`.",
    ),
    "lti.tool_urls": (
        "在学习平台中注册 seqlab 时填写：\n  登录发起地址：{base}/lti/login\n  启动/重定向地址：{base}/lti/launch\n  公钥集（`JWKS`）地址：{base}/lti/jwks.json\n  深度链接地址：{base}/lti/launch",
        "Register seqlab in the learning platform with:\n  login initiation URL: {base}/lti/login\n  launch / redirect URL: {base}/lti/launch\n  public keyset (JWKS) URL: {base}/lti/jwks.json\n  deep linking URL: {base}/lti/launch",
    ),
    "lti.resent": ("成绩回传：{counts}。", "Scores sent back: {counts}."),
    # --- code rules (graders/rules.py, the spec's [rules], graded as one set) ----------------
    "report.rules_set": ("测试集 {index} · 代码规则", "Test set {index} · code rules"),
    "detail.rule_broken": (
        "{file} 第 {lines} 行用到了 `{written}`（即 {name}），本关不允许：{reason[zh]}",
        "{file}, line(s) {lines}: `{written}` (that is {name}) is not allowed in this lab: "
        "{reason[en]}",
    ),
    "detail.rule_broken_plain": (
        "{file} 第 {lines} 行用到了 `{written}`，本关不允许：{reason[zh]}",
        "{file}, line(s) {lines}: `{written}` is not allowed in this lab: {reason[en]}",
    ),
    "detail.rule_missing": (
        "{file} 第 {lines} 行的填空代码没有用到要求的 {names}：{reason[zh]}",
        "{file}, lines {lines}: the blank's code does not use {names}, as this lab requires: "
        "{reason[en]}",
    ),
    # Allowed imports, template names, modules handed on (graders/rules_template.py, issue 18).
    "detail.rule_import": (
        "{file} 第 {lines} 行 `{written}` 导入了 {name}，本关不允许：{reason[zh]}",
        "{file}, line(s) {lines}: `{written}` imports {name}, which this lab does not allow: "
        "{reason[en]}",
    ),
    "detail.rules_imports_reason": (
        "本关填空只能导入 {allowed}（及其子模块）；其余所需都已在模板中导入。",
        "This lab's blanks may import only {allowed} (and their submodules); everything else "
        "they need the template imports.",
    ),
    "detail.rule_template": (
        "{file} 第 {lines} 行 `{written}` 改动了 {name}：{reason[zh]}",
        "{file}, line(s) {lines}: `{written}` changes {name}: {reason[en]}",
    ),
    "detail.rules_template_reason": (
        "填空代码不能重新绑定或修改模板定义的名字（`global` 语句、给模板的名字赋值、改它们的属性或元素、"
        "调用 `append`/`update` 等修改它们），也不能改 `torch` 的对象（如 `torch.Tensor.max = …`）；"
        "请只在自己的函数和变量里写代码。",
        "Blank code may not rebind or modify a name the lab's fixed code defines (a global "
        "statement, an assignment to it, to its attributes or items, append/update on it), nor "
        "torch's objects (torch.Tensor.max = …); write your code in your own functions and "
        "variables.",
    ),
    # Attributes set only on self (graders/rules_template.py foreign_attributes, issue 18).
    "detail.rule_attribute": (
        "{file} 第 {lines} 行 `{written}` 给 {name} 的属性赋值（或删除它）：{reason[zh]}",
        "{file}, line(s) {lines}: `{written}` sets (or deletes) an attribute of {name}: "
        "{reason[en]}",
    ),
    "detail.rules_attributes_reason": (
        "本关填空代码只能以 `self.名字 = …` 的形式设置属性，且只能写在自己类的方法里（`self` 是方法的"
        "第一个参数，方法内不重新绑定它）；给其他对象设置属性（如 `cls.item = …`、`L[0].item = …`、"
        "`self.x.y = …`、`obj.attr = …`）可能改到 `torch` 或模板的对象，因而不允许。要保存其他值，"
        "请用自己的变量，或写成 `self` 的属性（如 `self.encoder = …`）。",
        "This lab's blank code may set an attribute only as `self.name = …` inside a method of "
        "its own class (self being the method's first parameter, never rebound there); setting "
        "an attribute of anything else (`cls.item = …`, `L[0].item = …`, `self.x.y = …`, "
        "`obj.attr = …`) could change an object of torch's or of the lab's code, so it is not "
        "allowed. Keep other values in your own variables, or as attributes of self "
        "(`self.encoder = …`).",
    ),
    "detail.rule_handed": (
        "{file} 第 {lines} 行把模块 `{written}`（即 {name}）当作值传递（参数、列表元素、返回值等），"
        "本关不允许：这样就无法检查经由它用到的名字。请直接写出完整的名字（如 {name}.xxx）。{reason[zh]}",
        "{file}, line(s) {lines}: the module `{written}` (that is {name}) is handed on as a value "
        "(an argument, a list item, a return value), which this lab does not allow: the names "
        "used through it could not be checked. Write the names out in full ({name}.something). "
        "{reason[en]}",
    ),
    "detail.rules_kept": (
        "代码遵守了本关的规则。{reasons[zh]}",
        "The code keeps this lab's rules. {reasons[en]}",
    ),
    "detail.rules_unparsable": (
        "{file} 第 {line} 行有语法错误，无法检查本关的代码规则。",
        "{file}, line {line}: a syntax error; this lab's code rules cannot be checked.",
    ),
    "detail.not_run_rules": (
        "没有运行：代码违反了本关的代码规则（见“代码规则”）。",
        "Not run: the code breaks a rule of this lab (see 'code rules').",
    ),
    "report.rules_broken": (
        "代码违反了本关的代码规则，程序没有运行：先按“代码规则”一项改正。",
        "The code breaks a rule of this lab, so it was not run: fix what 'code rules' names first.",
    ),
    "validate.corpus_rules": (
        "代码规则的结果与预期（breaks_rule = {want}）不符",
        "the code rules' verdict differs from breaks_rule = {want}",
    ),
    # --- common mistakes in the class report, named from the web (issue 18 item 5) -------------
    "report.cluster_heading": ("常见错误", "Common mistakes"),
    "report.cluster_how": (
        "每个测试集的错误答案按输出分组（按该测试集的比较方式：空白忽略、数字按容差取舍）；"
        "程序崩溃按异常行分组。列出已命名的错误和至少 {least} 名学生共有的未命名输出。"
        "隐藏测试集只列人数和名称。",
        "Each set's wrong answers grouped by their output as the set compares it (spacing "
        "aside, numbers rounded to its tolerance); crashes by their exception line. Shown: the "
        "named mistakes and every unnamed output at least {least} students share. Hidden sets "
        "show counts and names only.",
    ),
    "report.cluster_nothing": ("没有错误答案。", "No wrong answers."),
    "report.cluster_set": ("{set}{hidden}：{wrong} 个错误答案", "{set}{hidden}: {wrong} wrong"),
    "report.cluster_count": ("{count} 名学生", "{count} student(s)"),
    "report.cluster_not_named": ("未命名", "not named"),
    "report.cluster_named_since": (
        "（这些提交评测之后才命名；之后的学生会看到）",
        " (named since these were graded; later students get it)",
    ),
    "report.cluster_alone": (
        "另有 {count} 个错误答案，各自的输出与其他人都不同。",
        "{count} more wrong answer(s), each unlike any other.",
    ),
    "report.cluster_students": ("人数", "Students"),
    "report.cluster_mistake": ("错误", "Mistake"),
    "report.cluster_example": ("示例", "Example"),
    "report.cluster_output": ("示例的输出", "The example's output"),
    "report.cluster_name_it": ("命名这个错误", "Name this mistake"),
    "report.cluster_name_zh": ("名称（中文）", "Name (Chinese)"),
    "report.cluster_name_en": ("名称（英文）", "Name (English)"),
    "report.cluster_hint_zh": ("提示（中文，可选）", "Hint (Chinese, optional)"),
    "report.cluster_hint_en": ("提示（英文，可选）", "Hint (English, optional)"),
    "report.cluster_blank": ("所在填空（可选）", "The blank (optional)"),
    "report.cluster_blank_help": (
        "填了编号时只取示例的这一个填空，其余用参考答案。",
        "With a number, only that blank is taken from the example; the others are the reference's.",
    ),
    "report.cluster_submit": ("加入错误库", "Add to the corpus"),
    "report.cluster_title": ("命名常见错误：{lab}", "Name a common mistake: {lab}"),
    "report.cluster_named": (
        "已把“{name}”作为条目 {entry} 加入 {path}，并记录了它在各测试集上的输出"
        "（得分 {score}）。之后输出与之相符的学生会看到这个名称和提示。",
        "'{name}' was added to {path} as entry {entry}, with its outputs on every set recorded "
        "(score {score}). The next student whose output matches gets its name and hint.",
    ),
    "report.cluster_back": ("返回班级报告", "Back to the class report"),
    "report.cluster_not_writable": (
        "无法写入课程文件夹（{path}：{reason}），错误库没有改动。请让服务器可以写入该文件夹，"
        "或在课程仓库中手动添加条目后运行 `seqlab build --record`。",
        "The course folder cannot be written ({path}: {reason}); the corpus was not changed. "
        "Make the folder writable by the server, or add the entry to the course's repository "
        "by hand and run `seqlab build --record`.",
    ),
    "report.cluster_name_empty": (
        "请填写中文和英文两个名称，错误库没有改动。",
        "Give the mistake a name in both Chinese and English; the corpus was not changed.",
    ),
    "report.cluster_entry_exists": (
        "{path} 中已有名为 {entry} 的条目（由英文名称生成），错误库没有改动。请换一个英文名称。",
        "{path} already has an entry named {entry} (made from the English name); the corpus "
        "was not changed. Choose another English name.",
    ),
    "report.cluster_hint_half": (
        "提示要么中英文都填，要么都不填。错误库没有改动。",
        "Give the hint in both Chinese and English, or in neither. The corpus was not changed.",
    ),
    "report.cluster_bad_blank": (
        "填空编号 {blank} 不存在：这个实验有 {count} 个填空。错误库没有改动。",
        "There is no blank {blank}: this lab has {count}. The corpus was not changed.",
    ),
    "report.cluster_no_example": (
        "找不到 {student} 在 {lab} 的可评测提交（或其填空无法读取），错误库没有改动。",
        "{student} has no gradable submission of {lab} (or its blanks cannot be read); the "
        "corpus was not changed.",
    ),
    "report.cluster_passes": (
        "用示例的这些填空，程序通过了所有测试集：这不是一个错误。错误库没有改动。",
        "With the example's blanks taken this way the program passes every set: it is not a "
        "mistake. The corpus was not changed.",
    ),
    # --- the course's settings (settings.py) and the blank pointer (service/blanks.py) ---------
    "spec.config_unreadable": (
        "无法读取课程设置 {path}：{reason}。请修正该 TOML 文件。",
        "The course settings {path} cannot be read: {reason}. Fix that TOML file.",
    ),
    "spec.feedback_bool": (
        "{path} 第 {line} 行：`{name}` 只能是 `true` 或 `false`。",
        "{path}, line {line}: `{name}` has a value it cannot take: use true or false.",
    ),
    "report.blank_fixes": (
        "若第 {blank} 个空填对，这些测试集就能通过：{sets}——请检查第 {blank} 个空。",
        "With a correct blank {blank} your program passes these sets: {sets} — look at blank {blank}.",
    ),
    "report.blank_several": (
        "只改对任何一个空都不能让未通过的公开测试集通过：错误涉及不止一个空。",
        "No single blank, put right on its own, makes a failing public set pass: the mistake spans several blanks.",
    ),
    # --- issue 15 red team (fix15): how one attempt counts, dead ends, wording -------------
    "rules.counted_late": (
        "迟交 {days} 天：{raw} − {percent}% = {score} 计入成绩",
        "submitted {days} day(s) late: {raw} − {percent} % = {score} counts",
    ),
    "rules.not_counted_locked": (
        "在关闭时间之后提交：不计入成绩（得分 {raw}）",
        "submitted after the item closed: it does not count (it scored {raw})",
    ),
    "rules.not_counted_closed": (
        "在截止时间之后提交，本课程截止后不收：不计入成绩（得分 {raw}）",
        "submitted after the due time, and this course takes nothing late: it does not count (it scored {raw})",
    ),
    "rules.override_set": (
        "教师设定 {score}（原因：{reason}）",
        "set by staff to {score} (reason: {reason})",
    ),
    "rules.override_only": (
        "没有提交；成绩由教师设定",
        "no submission; the grade was set by staff",
    ),
    "rules.extended_in": (
        "你的截止时间已延长至 {when}（还有 {left}）",
        "Your due time is extended to {when} (in {left})",
    ),
    "rules.extended_passed": (
        "你的截止时间已延长至 {when}（已过 {left}）",
        "Your due time was extended to {when} (passed {left} ago)",
    ),
    "rules.no_attempts_left": (
        "作答次数已用完（共 {total} 次）",
        "No attempts left (all {total} used)",
    ),
    "course.fix_pass": (
        "请写 0 到 100 之间的百分数（占该项满分的比例），例如 `pass = 60`。",
        "Write a percentage from 0 to 100 (of the item's points), e.g. pass = 60.",
    ),
    "validate.dead_end": (
        "{item} 需先通过 {needed}，但 {needed} 在 {lock} 关闭，早于 {item} 的{what} {when}：没有在关闭前通过 {needed} 的学生将永远无法打开 {item}。请把 {needed} 的 `lock` 推迟，或给 {item} 设 `open` 以外的出路：教师可在学生页面为 {needed} 设定成绩（可对没有提交的学生设定），或为该学生延期（延期超过关闭时间即推迟该学生的关闭时间）",
        "{item} requires {needed}, but {needed} closes {lock}, before {item}'s {what} {when}: a student who has not passed {needed} by then can never open {item}. Move {needed}'s lock later, or unblock such a student by hand: set {needed}'s score on the student's page (also for a student with no submission), or give them an extension (one past the lock moves their lock too)",
    ),
    "validate.dead_end_closed": (
        '{item} 需先通过 {needed}，但 {needed} 不收迟交（`policy = "closed"`），{lock} 截止后即不再计分，早于 {item} 的{what} {when}：没有在截止前通过 {needed} 的学生将永远无法打开 {item}。请推迟 {needed} 的 `due`，或把它的迟交规则改为扣分；也可以手动为这样的学生解锁：在学生页面为 {needed} 设定成绩，或为该学生延期',
        "{item} requires {needed}, but {needed} takes no late answers (policy = \"closed\") and stops counting at its due time {lock}, before {item}'s {what} {when}: a student who has not passed {needed} by then can never open {item}. Move {needed}'s due time later or give it a late penalty instead, or unblock such a student by hand: set {needed}'s score on the student's page, or give them an extension",
    ),
    "validate.dead_end_opens": (
        "{item} 需先通过 {needed}，但 {needed} 在 {lock} 才开放，不早于 {item} 的{what} {when}：没有学生能及时打开 {item}。请提前 {needed} 的 `open`，或推迟 {item} 的时间",
        "{item} requires {needed}, but {needed} opens only {lock}, not before {item}'s {what} {when}: no student can open {item} in time. Open {needed} earlier, or move {item}'s times later",
    ),
    "validate.dead_end_chain": (
        "{item} 需先通过 {needed}，而 {needed} 本身可能是死路（它需先通过 {via}，见上）：被 {needed} 卡住的学生也永远无法打开 {item}。修正 {needed} 的问题即可，或在学生页面为 {needed} 设定成绩",
        "{item} requires {needed}, which is itself a possible dead end (it requires {via}, see above): a student stranded before {needed} can never open {item} either. Fix {needed}'s dead end, or set {needed}'s score on the student's page",
    ),
    "validate.what_due": ("截止时间", "due time"),
    "validate.what_lock": ("关闭时间", "lock"),
    "validate.what_open": (
        "开放期（没有截止或关闭时间）",
        "open period (it has no due time or lock)",
    ),
    "validate.dead_end_check": (
        "关卡与日历：可能的死路",
        "unlocking and calendar: a possible dead end",
    ),
    "quiz.verdicts_hidden": (
        "每题对错在公布答案后显示；现在只显示总分和作答了哪些题。",
        "Which questions are right is shown once the answers are; for now, only the total and which questions you answered.",
    ),
    "quiz.not_answered": ("未作答", "not answered"),
    "lti.base_bad": (
        "--base 的值 `{value}` 不可用：它是学习平台访问 seqlab 服务器所用的公开 `https` 基础地址（`seqlab serve` 对外发布的地址，例如反向代理后的地址），不含页面路径，例如 `--base https://seqlab.example.edu`（仅本机回环地址可用 http://）。",
        "--base `{value}` is not usable: it is the public https base URL of the seqlab server as the LMS reaches it (where `seqlab serve` is published, e.g. behind a reverse proxy), without a page path, e.g. --base https://seqlab.example.edu (http:// only on this machine's loopback).",
    ),
    # --- issue 15 red team (fix15b): the score of record everywhere, rules page, wording ------
    "web.record_adjusted": (
        "记录成绩：{score}/{max}（教师已调整）",
        "Score of record: {score}/{max} (adjusted by staff)",
    ),
    "web.record_reason": ("原因：{reason}", "Reason: {reason}"),
    "web.record_late": (
        "记录成绩：{score}/{max}（迟交 {days} 天，原分 {raw}）",
        "Score of record: {score}/{max} ({days} day(s) late, raw {raw})",
    ),
    "report.class_of_record": (
        "成绩为记录成绩（已计迟交扣分与教师调整）",
        "scores are the scores of record (late penalties and staff adjustments applied)",
    ),
    "lti.status_sent": ("已回传 {count} 个", "sent {count}"),
    "lti.status_unchanged": (
        "平台已有、未变 {count} 个",
        "unchanged (the platform has it) {count}",
    ),
    "lti.status_failed": ("失败 {count} 个", "failed {count}"),
    "lti.status_nothing": ("尚无成绩 {count} 个", "nothing counts yet {count}"),
    "lti.status_joiner": ("，", ", "),  # between resend's counts: Chinese punctuation in Chinese
    "lti.status_none": ("没有学习平台链接", "no LMS links"),
    "course.fix_pass_fraction": (
        "`pass` 是百分数（0–100），不是比例：是不是想写 {percent}？例如 `pass = 60`。",
        "`pass` is a percentage (0–100), not a fraction: did you mean {percent}? e.g. pass = 60.",
    ),
    "rules.unknown_student": (
        "{student} 不在名单中，延期没有保存{near}。请改用名单中的学号，或先导入名单。",
        "{student} is not on the roster, so the extension was not saved{near}. Use a roster id, or import the roster first.",
    ),
    "rules.from_file": (
        "来自 {config}：{value}（这里填写的值优先）",
        "from {config}: {value} (a value entered here overrides it)",
    ),
    "web.unknown_item": (
        "课程中没有编号为 {item} 的实训或测验{near}；什么也没有改动。",
        "The course has no lab or quiz {item}{near}; nothing was changed.",
    ),
    "web.nearest_item": ("（最接近的编号：{near}）", " (the nearest id: {near})"),
    "web.regrade_no_attempt": (
        "没有重新评测：提交 #{attempt} 不是 {student} 已评测完的实训提交；请在本页的提交列表中选择。",
        "Nothing was regraded: attempt #{attempt} is not one of {student}'s graded lab attempts; pick one from the list on this page.",
    ),
    "web.regrade_bad": (
        "没有重新评测：`{value}` 不是提交编号（例如 12），也没有指定实训。",
        "Nothing was regraded: `{value}` is not an attempt number (e.g. 12), and no lab was named.",
    ),
    "rules.heading_not_open": ("尚未开放", "Not open yet"),
    "rules.heading_locked": ("已关闭", "Closed"),
    "rules.heading_closed": ("截止时间已过", "Past the due time"),
    "rules.heading_attempts": ("作答次数已用完", "No attempts left"),
    "rules.heading_cooldown": ("请稍后再作答", "Not yet: wait before answering again"),
    "batch.history_zone": ("时间为课程时区 {zone}", "times in the course's time zone {zone}"),
    "rules.quiz_closed": (
        "本测验已关闭，不能再作答",
        "This quiz is closed: no more attempts can be made",
    ),
    "rules.answers_shown_now": (
        "正确答案与解析已公布（{when} 起）：打开你的作答即可查看",
        "The answers and explanations are shown now (since {when}): open your attempts to see them",
    ),
    # --- faults under load (issue 17 item 6): a submission the server did not take -----------
    "web.not_received": (
        "这次提交没有送达评测服务（服务器暂时无法连接或正在重启），什么都没有保存。代码仍在编辑器中，请稍后再点“评测”重试。",
        "This submission did not reach the grading service (the server is unreachable or restarting for a moment) and nothing was stored. Your code is still in the editor: press Grade again in a moment.",
    ),
    "web.error_database": (
        "评测平台暂时无法访问数据库（可能正在重启），本页暂时无法打开。请一分钟后刷新重试；已经提交的代码不会丢失。",
        "The platform cannot reach its database for a moment (it may be restarting), so this page cannot be shown now. Reload it in a minute; submissions already received are not lost.",
    ),
    "web.queue_later": (
        "评测队列暂时无法连接（可能正在重启）。需要重新评测的提交已经记录，队列恢复后会自动评测，无需再次操作。",
        "The grading queue cannot be reached for a moment (it may be restarting). The attempts to grade again are stored and are graded once it is back; nothing more to do.",
    ),
    "web.still_waiting": (
        "暂时无法连接服务器；这次提交已经收到，恢复连接后会显示结果。",
        "The server cannot be reached for a moment; this submission was received and its result shows here once it is back.",
    ),
    # --- issue 15, red team 15d: the rules page's refusals and warnings ------------------------
    "course.fix_rule": (
        '计分规则只能是 `"best"`（最高分）或 `"last"`（最后一次提交）。',
        'Use "best" (the highest score) or "last" (the newest submission).',
    ),
    "course.fix_order_file": (
        "它晚于 `{other}` = {other_value}（来自 {other_where}）；时间须依次为 `open`、`due`、`lock`。请填写更早的时间，或在本页把 `{other}` 设为更晚的时间。",
        "It is later than `{other}` = {other_value}, which {other_where} sets; the times must come in order: open, then due, then lock. Enter an earlier time, or a later `{other}` on this page.",
    ),
    "rules.scores_change": (
        "注意：这次修改会改变 {n} 名学生的计分成绩（规则适用于所有已有提交，例如迟交规则改为关闭后，已迟交的提交不再计分）：{who}。确认修改请再次点击“保存”。",
        "Note: this change alters the score of record of {n} student(s): {who}. The rules apply to every attempt already made (with late answers closed, a late attempt no longer counts). To make the change, press Save again.",
    ),
    "web.draft_kept": (
        "本页未保存的修改已另存在本浏览器中：重新打开本页后，点击“恢复另一个标签页中未保存的修改”即可取回。",
        "This page's unsaved edits are kept in this browser: open the page again and use “Restore the edits from the other tab” to get them back.",
    ),
    "web.draft_restore_kept": (
        "恢复另一个标签页中未保存的修改",
        "Restore the edits from the other tab",
    ),
    # --- generic ----------------------------------------------------------------------------------
    "internal": (
        "评测系统内部出错（{error}）。这不是你的问题；请把这条信息报告给课程工作人员。",
        "The grader failed internally ({error}). This is not your fault; please report this "
        "message to the course staff.",
    ),
}


class Text:
    """A catalogue text given as a parameter of another (a hint inside an error): said in the
    language of the text it fills, where a text said beforehand would be in one language."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.key, self.params = key, params

    def render(self, lang: str) -> str:
        return say(self.key, lang, **self.params)

    def __str__(self) -> str:  # where no language is asked for, as an exception's own message
        return self.render("en")


class Joined:
    """Texts (or plain strings) listed in one language, as a parameter."""

    def __init__(self, parts: list[Text | str]) -> None:
        self.parts = parts

    def render(self, lang: str) -> str:
        separator = "; " if lang == "en" else "；"
        return separator.join(p.render(lang) if isinstance(p, Text) else p for p in self.parts)

    def __str__(self) -> str:
        return self.render("en")


def stored_params(params: dict[str, object]) -> dict[str, object]:
    """A message's parameters as a database keeps them (JSON): a Text stays a text to be said
    in the reader's language, not one said now in English."""
    return {
        name: {"text": v.key, "params": stored_params(v.params)} if isinstance(v, Text) else str(v)
        for name, v in params.items()
    }


def read_params(params: dict[str, object] | None) -> dict[str, object]:
    """stored_params' inverse."""
    return {
        name: Text(v["text"], **read_params(v["params"])) if isinstance(v, dict) else v
        for name, v in (params or {}).items()
    }


def say(key: str, lang: str = "zh", /, **params: object) -> str:
    """The catalogue text for `key` in `lang`, with parameters filled in."""
    zh, en = CATALOGUE[key]
    template = en if lang == "en" else zh
    said = {
        name: v.render(lang) if isinstance(v, Text | Joined) else v for name, v in params.items()
    }
    return template.format(**said)
