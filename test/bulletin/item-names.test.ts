/**
 * The scoring items' English names are English: the English bulletin's column header read
 * "Returned (退单)" (the city default as migration 014 seeded it). Migration 031 renames the
 * seeded name only, so an administrator's own English name survives it either way.
 */
import t from 'tap'
import { build, login, openTestDb } from '../helper.js'
import { migrationSource } from '../../migrations/index.js'

const HAN = /\p{Script=Han}/u

t.test("the city's default items have English names without Chinese", async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/api/scoring-items', headers: await login(app, 'admin') })
  t.equal(res.statusCode, 200, res.body)
  const city: { code: string; nameEn: string | null }[] = res.json().city
  t.ok(city.length >= 15, `the city list (${city.length} items)`)
  t.same(
    city.filter((i) => !i.nameEn || HAN.test(i.nameEn)).map((i) => `${i.code}: ${i.nameEn}`),
    [],
    'every English name is English',
  )
  t.equal(city.find((i) => i.code === 'returned')?.nameEn, 'Returned')
})

t.test('migration 031 renames the seeded English name only', async (t) => {
  const { db } = await openTestDb(t)
  t.teardown(() => db.destroy())
  const nameEn = async () => (await db('scoring_items').where({ tenant: '', code: 'returned' }).first('name_en')).name_en
  t.equal(await nameEn(), 'Returned', 'migrated')
  await db.migrate.down({ migrationSource, name: '031_scoring_item_names' })
  t.equal(await nameEn(), 'Returned (退单)', 'down: as seeded')
  await db('scoring_items').where({ tenant: '', code: 'returned' }).update({ name_en: 'Returns to dispatch' })
  await db.migrate.latest({ migrationSource })
  t.equal(await nameEn(), 'Returns to dispatch', "an administrator's own name is left as it is")
})
