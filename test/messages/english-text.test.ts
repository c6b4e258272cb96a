// @sqlite-only: reads the catalogue and the UI's sources; no database
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import ts from 'typescript'
import { en, render } from '../../src/messages/index.js'
import { projectRoot } from '../../src/lib/paths.js'
import { tsFiles } from '../sources.js'

/**
 * English text uses ASCII quotes and apostrophes. The page's font stack puts the CJK fonts first
 * (Chinese is the reference language), and those draw “ ” ‘ ’ full width: on the routing and
 * incidents pages "the county’s rules" and “step” stood apart with CJK spacing. Full-width forms
 * (，：（）) have no place in English either.
 */
const WIDE = /[\u2018\u2019\u201C\u201D\u3000-\u303F\uFF01-\uFF5E]/

t.test('the catalogue’s English has no full-width or CJK-drawn punctuation', async (t) => {
  const bad = Object.entries(en).filter(([, text]) => WIDE.test(text))
  t.same(
    bad.map(([k, text]) => `${k}: ${text}`),
    [],
    'none',
  )
})

t.test('nor the UI’s English strings, t(中文, English)', async (t) => {
  const bad: string[] = []
  const root = path.join(projectRoot(), 'ui', 'src')
  for (const file of tsFiles(root).filter((f) => !f.includes(`${path.sep}generated${path.sep}`))) {
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)
    // The literal text of an expression (string, template, concatenation), code left out.
    const text = (node: ts.Node): string => {
      if (ts.isStringLiteralLike(node)) return node.text
      if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => `${text(s.expression)}${s.literal.text}`)].join('')
      if (ts.isBinaryExpression(node)) return text(node.left) + text(node.right)
      if (ts.isConditionalExpression(node)) return `${text(node.whenTrue)} ${text(node.whenFalse)}`
      if (ts.isParenthesizedExpression(node)) return text(node.expression)
      return ''
    }
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 't' && node.arguments.length === 2) {
        const english = text(node.arguments[1])
        if (WIDE.test(english)) bad.push(`${path.relative(root, file)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${english}`)
      }
      ts.forEachChild(node, visit)
    }
    visit(sf)
  }
  t.same(bad, [], 'none')
})

t.test('a validation limit of 1 reads as English: no "at least 1 characters"', async (t) => {
  // The return's reason has a minimum length of 1: "reason is too short (at least 1 characters)".
  // The catalogue has no plural forms, so these sentences name the limit without a counted noun.
  for (const key of ['error.validation.minLength', 'error.validation.maxLength', 'error.validation.minItems', 'error.validation.maxItems'] as const) {
    const text = render('en', key, { field: 'reason', limit: 1 })
    t.notMatch(text, /\b1 [a-z]+s\b/, `${key}: ${text}`)
    t.match(text, /\b1\b/, 'the limit is said')
  }
})
