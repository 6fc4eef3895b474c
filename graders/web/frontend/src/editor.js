// The lab page's editor: CodeMirror 6 over the lab's template, where only the lines between a
// `# Begin` and its `# End` marker accept edits (a transaction filter drops any other change).
// It replaces the page's <textarea> (which still works without JavaScript) and keeps it in
// sync, so the form posts the same text either way (and lab.js, which saves drafts, hears
// every change as the textarea's "input" event). Python is highlighted; Ctrl/Cmd-Enter
// submits the form (评测) and Esc leaves the editor for the 评测 button, so Tab, which indents
// here, never traps a keyboard user.
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { defaultHighlightStyle, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { EditorState, Prec, RangeSetBuilder } from "@codemirror/state";
import {
  Decoration, EditorView, ViewPlugin, keymap, lineNumbers, highlightActiveLine,
} from "@codemirror/view";

// The same marker grammar as graders/markers.py.
const MARKER = /^[ \t]*#[#*]+[ \t]*(begin|end)[ \t]*[#*]*[ \t]*$/i;

// Editable ranges [lo, hi]: from the start of a blank's first body line to the end of its
// last one. The newline before `End` stays outside, so a blank never loses its last line
// and the markers can never be merged or deleted.
export function blanks(doc) {
  const found = [];
  let open = null;
  for (let n = 1; n <= doc.lines; n++) {
    const line = doc.line(n);
    const match = MARKER.exec(line.text);
    if (!match) continue;
    if (match[1].toLowerCase() === "begin") open = line;
    else if (open) {
      found.push({ lo: open.to + 1, hi: line.from - 1, first: open.number + 1, last: line.number - 1 });
      open = null;
    }
  }
  return found;
}

const onlyBlanks = EditorState.transactionFilter.of((tr) => {
  if (!tr.docChanged) return tr;
  const regions = blanks(tr.startState.doc);
  let allowed = true;
  tr.changes.iterChangedRanges((fromA, toA) => {
    if (!regions.some((r) => fromA >= r.lo && toA <= r.hi)) allowed = false;
  });
  return allowed ? tr : [];
});

const blankLine = Decoration.line({ class: "cm-blank" });
const lockedLine = Decoration.line({ class: "cm-locked" });

const shading = ViewPlugin.fromClass(
  class {
    constructor(view) { this.decorations = this.build(view); }
    update(update) { if (update.docChanged) this.decorations = this.build(update.view); }
    build(view) {
      const doc = view.state.doc;
      const editable = new Set();
      for (const r of blanks(doc)) for (let n = r.first; n <= r.last; n++) editable.add(n);
      const builder = new RangeSetBuilder();
      for (let n = 1; n <= doc.lines; n++) {
        builder.add(doc.line(n).from, doc.line(n).from, editable.has(n) ? blankLine : lockedLine);
      }
      return builder.finish();
    }
  },
  { decorations: (plugin) => plugin.decorations },
);

// CodeMirror writes its styles into a <style> element; the page's CSP allows only the one
// carrying this response's nonce, which the server put on this script's tag (headers.py).
const NONCE = document.currentScript ? document.currentScript.nonce : "";

// Above the default keymap, whose Mod-Enter inserts a blank line.
function pageKeys(textarea) {
  const button = () => textarea.form && textarea.form.querySelector("button[type=submit]");
  return Prec.highest(keymap.of([
    { key: "Mod-Enter", run: () => { if (textarea.form) textarea.form.requestSubmit(); return true; } },
    { key: "Escape", run: (view) => { const b = button(); if (!b) return false; view.contentDOM.blur(); b.focus(); return true; } },
  ]));
}

function mount(textarea) {
  const host = document.createElement("div");
  host.className = "editor";
  textarea.after(host);
  textarea.hidden = true;
  const view = new EditorView({
    parent: host,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(), highlightActiveLine(), history(), python(), indentUnit.of("    "),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }), pageKeys(textarea),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        onlyBlanks, shading, EditorView.cspNonce.of(NONCE),
        EditorView.updateListener.of((u) => {
          if (!u.docChanged) return;
          textarea.value = u.state.doc.toString();
          textarea.dispatchEvent(new Event("input"));
        }),
      ],
    }),
  });
  // For tests and tools: replace blank k's body (1-based) through the same filter.
  window.seqlabEditor = {
    view,
    blanks: () => blanks(view.state.doc),
    setBlank(k, text) {
      const region = blanks(view.state.doc)[k - 1];
      const body = text.endsWith("\n") ? text.slice(0, -1) : text;
      view.dispatch({ changes: { from: region.lo, to: region.hi, insert: body } });
    },
    text: () => view.state.doc.toString(),
    // The whole file (a draft, the last submission, the starter), past the blanks' filter;
    // undoable like any edit.
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, filter: false });
    },
  };
}

document.querySelectorAll("textarea[data-editor]").forEach(mount);
