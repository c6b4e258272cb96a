/*
 * evalFeel answers `name = literal` / `name != literal` without feelin when the variable holds a
 * value of the literal's type (src/engine/feel.ts). The oracle is feelin itself: every body ×
 * value below must give what feelin's evaluate gives, shortcut or not.
 */
import t from 'tap'
import { evaluate } from 'feelin'
import { evalFeel, toPlain } from '../../src/engine/feel.js'

const bodies = [
  'a = "return"',
  'a != "return"',
  'a="return"',
  'a = ""',
  'a = "中文 意见"',
  'a = true',
  'a = false',
  'a != true',
  'a != false',
  'a = 1',
  'a = 0',
  'a = -1',
  'a != 2.5',
  'a = 2.5',
  'a = 1.0',
  // not comparisons of one name with a plain literal: feelin's alone
  'a = b',
  'a = "x\\"y"',
  'a = null',
  'a >= 1',
  'a = "a" or a = "b"',
]
const values: [string, unknown][] = [
  ['missing', undefined],
  ['null', null],
  ['"return"', 'return'],
  ['"Return"', 'Return'],
  ['""', ''],
  ['"中文 意见"', '中文 意见'],
  ['"true"', 'true'],
  ['"1"', '1'],
  ['true', true],
  ['false', false],
  ['1', 1],
  ['0', 0],
  ['-0', -0],
  ['-1', -1],
  ['2.5', 2.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['[1]', [1]],
  ['{x:1}', { x: 1 }],
]

t.test("each body gives feelin's answer for each value of its variable", async (t) => {
  for (const body of bodies) {
    for (const [label, v] of values) {
      const ctx: Record<string, unknown> = v === undefined ? { b: 'return' } : { a: v, b: 'return' }
      let expected: unknown
      try {
        expected = toPlain(evaluate(body, ctx).value)
      } catch (err) {
        expected = `throws ${(err as Error).name}`
      }
      let got: unknown
      try {
        got = evalFeel(body, ctx)
      } catch (err) {
        got = `throws ${(err as Error).name}`
      }
      t.same(got, expected, `${body} with a = ${label}`)
    }
  }
})

t.test('a keyword is never read as a variable name', async (t) => {
  t.equal(evalFeel('true = true', { true: false }), toPlain(evaluate('true = true', { true: false }).value))
})
