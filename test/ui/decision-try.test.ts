/**
 * Browser test: the decision page's "试算 / Try it" panel. The page had no way to try a decision
 * although the API evaluates one; an administrator now types values for the input columns and
 * reads the matched rule and the outputs, or the failure in their language.
 *
 * Worked out by hand from processes/decisions/routing.dmn (hit policy FIRST, rules in file
 * order): a "land.use" case of category group "land" matches no category rule and no group rule
 * before rule_10 ("land", the 13th row): owner "@county:land", level "county", the rest empty.
 * "roads.lighting" matches rule_3 (the 2nd row) before the "roads" group rule: "@county:urban".
 */
import { uiLogin } from './browser.js'
import { browserTest } from './browser-test.js'
import { call } from '../api.js'

/** UNIQUE on age: 75 is both ">= 60" and ">= 70", which UNIQUE refuses. */
const allowance = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="allowance_defs" name="补贴 / Allowance" namespace="https://shuoshi.test">
  <decision id="allowance" name="补贴 / Allowance">
    <decisionTable id="allowance_table" hitPolicy="UNIQUE">
      <input id="in_age" label="年龄 / Age"><inputExpression id="in_age_expr" typeRef="number"><text>age</text></inputExpression></input>
      <output id="out_amount" label="金额 / Amount" name="amount" typeRef="number"/>
      <rule id="r_sixty"><inputEntry><text>&gt;= 60</text></inputEntry><outputEntry><text>100</text></outputEntry></rule>
      <rule id="r_seventy"><inputEntry><text>&gt;= 70</text></inputEntry><outputEntry><text>200</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>`

browserTest('an administrator tries the routing decision with given inputs and reads the rule and outputs', { name: 'decision-try' }, async (t, app, s) => {
  const { page, base } = s
  t.equal((await call(app, 'xianghe-admin', 'POST', '/api/decisions', { xml: allowance })).status, 201)
  await uiLogin(page, base, 'xianghe-admin')
  await page.goto(`${base}/admin/decision?key=routing`)
  const panel = page.locator('[data-testid=try-panel]')
  await panel.waitFor()
  t.match(await panel.textContent(), /用已部署的 v1 求值/, 'says which version it evaluates')
  // The labels are the table's column labels in Chinese.
  for (const label of ['分类', '大类', '地区', '紧急程度']) t.ok(await panel.locator('.field-label', { hasText: label }).count(), `a box for ${label}`)
  await page.fill('[data-testid=try-input-category]', 'land.use')
  await page.fill('[data-testid=try-input-categoryGroup]', 'land')
  await page.fill('[data-testid=try-input-regions]', 'xianghe, xh-anping')
  await page.click('[data-testid=try-run]')
  await page.locator('[data-testid=try-matched]').waitFor()
  t.equal((await page.textContent('[data-testid=try-matched]'))?.trim(), '命中规则：第 13 条（rule_10）')
  const out = (name: string) => page.locator(`[data-testid=try-entry] td[data-output=${name}]`).textContent()
  t.equal(await out('owner'), '@county:land')
  t.equal(await out('level'), 'county')
  t.equal(await out('procedure'), '（空）')
  t.match(await page.textContent('[data-testid=try-outputs] thead'), /承办单位.*层级.*流程/, 'outputs under their column labels')
  await s.shot('decision-try-01-zh')

  await page.fill('[data-testid=try-input-category]', 'roads.lighting')
  await page.fill('[data-testid=try-input-categoryGroup]', 'roads')
  await page.click('[data-testid=try-run]')
  await page.locator('[data-testid=try-matched]', { hasText: 'rule_3' }).waitFor()
  t.equal((await page.textContent('[data-testid=try-matched]'))?.trim(), '命中规则：第 2 条（rule_3）')
  t.equal(await out('owner'), '@county:urban')

  await page.fill('[data-testid=try-input-category]', 'nothing.here')
  await page.fill('[data-testid=try-input-categoryGroup]', 'nothing')
  await page.click('[data-testid=try-run]')
  await page.locator('[data-testid=try-no-match]').waitFor()
  t.match(await page.textContent('[data-testid=try-no-match]'), /没有匹配的规则/)

  await page.click('[data-testid=lang-switch]')
  await panel.locator('.field-label', { hasText: 'Category group' }).waitFor()
  t.match(await panel.textContent(), /evaluated with the deployed v1/)
  await page.fill('[data-testid=try-input-category]', 'land.use')
  await page.fill('[data-testid=try-input-categoryGroup]', 'land')
  await page.click('[data-testid=try-run]')
  await page.locator('[data-testid=try-matched]').waitFor()
  t.equal((await page.textContent('[data-testid=try-matched]'))?.trim(), 'Matched: rule 13 (rule_10)')
  t.match(await page.textContent('[data-testid=try-outputs] thead'), /Owner.*Level/)
  t.notMatch((await panel.textContent())!, /\p{Script=Han}/u, 'no Chinese in the English panel')
  await s.shot('decision-try-02-en')
  await page.setViewportSize({ width: 390, height: 844 })
  await s.shot('decision-try-03-en-phone')
  const box = (await panel.boundingBox())!
  t.ok(box.x >= 0 && box.x + box.width <= 390, 'the panel fits the phone')
  await page.click('[data-testid=lang-switch]')
  await panel.locator('.field-label', { hasText: '大类' }).waitFor()
  await s.shot('decision-try-04-zh-phone')
  await page.setViewportSize({ width: 1280, height: 860 })

  // A failing table: the server's 422 shown as the catalogue's sentence in the page's language.
  await page.goto(`${base}/admin/decision?key=allowance`)
  await panel.waitFor()
  await page.fill('[data-testid=try-input-age]', '75')
  s.expectHttpError(422, '/api/decisions/key/allowance/evaluate')
  await page.click('[data-testid=try-run]')
  await page.locator('[data-testid=try-error]').waitFor()
  t.equal(
    (await page.textContent('[data-testid=try-error]'))?.trim(),
    '试算失败：决策 allowance 的命中策略为 UNIQUE，但有多条规则命中：r_sixty, r_seventy',
    'the failure in Chinese',
  )
  await s.shot('decision-try-05-error-zh')
  await page.fill('[data-testid=try-input-age]', '65')
  await page.click('[data-testid=try-run]')
  await page.locator('[data-testid=try-matched]').waitFor()
  t.equal(await out('amount'), '100', 'a number typed in a number column is evaluated as a number')
  t.same(s.errors, [], 'no console errors')
})
