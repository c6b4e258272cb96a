/*
 * JUEL → FEEL (src/engine/juel.ts): each case is evaluated the way a diagram's `${…}` is at run
 * time (feel.ts resolveValue), against values worked out by hand from the EL 2.2 rules
 * (null is false in a boolean position, `empty` is true for null, "", [] and {}, `div` is
 * division, `mod` the remainder), and the rule for bodies that are both JUEL and FEEL.
 */
import t from 'tap'
import { juelToFeel } from '../../src/engine/juel.js'
import { render } from '../../src/messages/index.js'
import { resolveValue, expressionBody } from '../../src/engine/feel.js'

const run = (text: string, ctx: Record<string, unknown> = {}) => resolveValue(text, ctx)

t.test('the subset evaluates as JUEL would', async (t) => {
  const cases: [string, Record<string, unknown>, unknown][] = [
    ['${approved}', { approved: true }, true],
    ['${!approved}', { approved: false }, true],
    ['${!approved}', { approved: null }, true], // JUEL: null coerces to false, so !null is true
    ['${!approved}', {}, true],
    ['#{not approved}', { approved: true }, false],
    ['#{score > 5}', { score: 7 }, true],
    ['#{score gt 5}', { score: 5 }, false],
    ['${score <= 5}', { score: 5 }, true],
    ['${score le 4 || score ge 9}', { score: 9 }, true],
    ["${foo != 'bar'}", { foo: 'baz' }, true],
    ["${foo == 'bar'}", { foo: 'bar' }, true],
    ["${foo eq 'it\\'s'}", { foo: "it's" }, true], // \' is EL's escape of a quote inside single quotes
    ['${foo ne "x"}', { foo: 'x' }, false],
    ['${a && b}', { a: true, b: null }, false], // null && … is false in JUEL (FEEL alone would give null)
    ['${a and b or c}', { a: true, b: false, c: true }, true],
    ['${!(a && b)}', { a: true }, true],
    ['${empty list}', { list: [] }, true],
    ['${empty list}', { list: [1] }, false],
    ['${empty name}', { name: '' }, true],
    ['${empty name}', {}, true],
    ['${not empty m}', { m: { a: 1 } }, true],
    ['${empty juel_v}', { juel_v: 'x' }, false], // the translation's own entry name does not shadow a variable
    ['${empty empty name}', {}, false], // empty(true): a Boolean is never empty
    ['${!empty empty empty empty empty empty empty empty empty empty empty empty x}', {}, true],
    ['${empty (x > 1 ? list : name)}', { x: 2, list: [], name: 'n' }, true],
    ['${x div 2}', { x: 7 }, 3.5],
    ['${x / 2 + 1}', { x: 4 }, 3],
    ['${x mod 3}', { x: 7 }, 1],
    ['${x % 3 == 1}', { x: 7 }, true],
    ['${-x * 2}', { x: 3 }, -6],
    ['${a.b.c}', { a: { b: { c: 'deep' } } }, 'deep'],
    ["${a['b c']}", { a: { 'b c': 2 } }, 2],
    ['${a["if"]}', { a: { if: 1 } }, 1],
    ['${n > 1 ? "many" : "one"}', { n: 2 }, 'many'],
    ['${flag ? 1 : 2}', { flag: null }, 2],
    ['${1.5 + .5}', {}, 2],
    ['${null == x}', {}, true],
    ['${true}', {}, true],
  ]
  for (const [text, ctx, want] of cases) {
    t.same(run(text, ctx), want, `${text} with ${JSON.stringify(ctx)}`)
  }
})

t.test('a ${…} body that is not JUEL stays FEEL (api.md: a FEEL body in the wrapper)', async (t) => {
  t.equal(run('${category = "land"}', { category: 'land' }), true, '= is FEEL equality, not JUEL')
  t.equal(run('${if x > 1 then "a" else "b"}', { x: 2 }), 'a')
  t.equal(run('${x in [1, 2]}', { x: 2 }), true)
  t.equal(run('${string length(name) > 3}', { name: 'abcd' }), true, 'a FEEL built-in call')
  t.equal(run('${count(xs)}', { xs: [1, 2, 3] }), 3)
  t.same(juelToFeel('count(xs)'), { kind: 'notJuel' })
  t.same(juelToFeel('category = "land"'), { kind: 'notJuel' })
  // Both JUEL and FEEL, same meaning: the translation is the same text.
  t.same(juelToFeel('score > 5'), { kind: 'feel', feel: 'score > 5' })
  t.same(juelToFeel('a.b'), { kind: 'feel', feel: 'a.b' })
  t.same(juelToFeel('x != "bar"'), { kind: 'feel', feel: 'x != "bar"' })
  // Text with ${…} inside: each part translated.
  t.equal(run("handler@${unit == 'land' ? 'xianghe-land' : 'xianghe-office'}", { unit: 'land' }), 'handler@xianghe-land')
  // A leading = is FEEL and never read as JUEL.
  t.equal(expressionBody('=not(x)'), 'not(x)')
  t.equal(expressionBody('${=x[1]}'), 'x[1]', '${=…}: marked FEEL (model.ts wraps translated conditions so)')
})

t.test('ambiguous and unsupported JUEL is refused with a reason', async (t) => {
  const refused = (body: string, re: RegExp) => {
    const r = juelToFeel(body)
    t.equal(r.kind, 'refused', body)
    // The reason is a catalogue key (deploy.juel.*); validate.ts adds where the body is.
    if (r.kind === 'refused') t.match(render('en', r.key, { ...r.params, what: 'x', body }), re, body)
  }
  refused('list[0]', /ambiguous.*JUEL counts from 0, FEEL from 1.*=list\[1\]/)
  refused('a[i]', /computed index/)
  refused('bean.method(x)', /calls the method bean\.method\(\)/)
  refused('execution.getVariable("x")', /engine object "execution"/)
  refused('execution', /engine object "execution"/)
  refused("fn:upper('a')", /Java function fn:upper/)
  refused('a.b.c()', /calls the method a\.b\.c\(\)/)
  refused('1e400', /out of range/)
  // What is neither JUEL nor FEEL is left to the FEEL check (which names it as not parsing).
  t.same(juelToFeel('a &&'), { kind: 'notJuel' })
  t.same(juelToFeel("'open"), { kind: 'notJuel' })
})
