import { randomUUID } from 'node:crypto'
import { nowIso, type Db, type Trx } from '../lib/db.js'
import { hashPassword } from './passwords.js'

/**
 * The demo organisation (src/org/README.md lists it): 廊坊市 with two counties, their
 * townships, villages and grids, the 综治中心 of each level, county departments, township
 * sections, and one or more users for every role. Seeded only in demo mode on an empty
 * users table; every row is insert-if-absent inside one transaction, so two nodes starting
 * together on one PostgreSQL end with the same single copy.
 */

interface RegionSeed {
  code: string
  name: string
  nameEn: string
  level: 'city' | 'county' | 'township' | 'village' | 'grid'
  parent: string | null
}
interface UnitSeed {
  code: string
  name: string
  nameEn: string
  kind: string
  level: string
  region: string
  parent?: string
  duty: string
}
interface UserSeed {
  username: string
  displayName: string
  roles: string[]
  unit: string
  groups?: string[]
}

const CITY = 'langfang'

/** county → townships → villages (each village: its grid count). */
const TREE: Array<{
  code: string
  name: string
  nameEn: string
  townships: Array<{ code: string; name: string; nameEn: string; short: string; villages: Array<[string, string, number]> }>
}> = [
  {
    code: 'xianghe',
    name: '香河县',
    nameEn: 'Xianghe County',
    townships: [
      {
        code: 'xh-anping',
        name: '安平镇',
        nameEn: 'Anping Town',
        short: 'anping',
        villages: [
          ['安平村', 'Anping Village', 2],
          ['东马各庄村', 'Dongmagezhuang Village', 1],
        ],
      },
      {
        code: 'xh-shuyang',
        name: '淑阳镇',
        nameEn: 'Shuyang Town',
        short: 'shuyang',
        villages: [
          ['城内社区', 'Chengnei Community', 2],
          ['北关村', 'Beiguan Village', 1],
        ],
      },
      {
        code: 'xh-jiangxintun',
        name: '蒋辛屯镇',
        nameEn: 'Jiangxintun Town',
        short: 'jiangxintun',
        villages: [
          ['蒋辛屯村', 'Jiangxintun Village', 1],
          ['西王店村', 'Xiwangdian Village', 1],
        ],
      },
    ],
  },
  {
    code: 'guangyang',
    name: '广阳区',
    nameEn: 'Guangyang District',
    townships: [
      {
        code: 'gy-xinyuan',
        name: '新源街道',
        nameEn: 'Xinyuan Subdistrict',
        short: 'xinyuan',
        villages: [
          ['新源里社区', 'Xinyuanli Community', 2],
          ['康庄道社区', 'Kangzhuangdao Community', 1],
        ],
      },
      {
        code: 'gy-jiefang',
        name: '解放道街道',
        nameEn: 'Jiefangdao Subdistrict',
        short: 'jiefang',
        villages: [
          ['和平里社区', 'Hepingli Community', 1],
          ['花园里社区', 'Huayuanli Community', 1],
        ],
      },
      {
        code: 'gy-jiuzhou',
        name: '九州镇',
        nameEn: 'Jiuzhou Town',
        short: 'jiuzhou',
        villages: [
          ['九州村', 'Jiuzhou Village', 1],
          ['大伍龙村', 'Dawulong Village', 1],
        ],
      },
    ],
  },
]

/** County functional departments (职能部门): code suffix, name, English, duty. */
const COUNTY_DEPARTMENTS: Array<[string, string, string]> = [
  ['land', '自然资源和规划局', 'Natural Resources and Planning Bureau'],
  ['environment', '生态环境分局', 'Ecology and Environment Bureau'],
  ['housing', '住房和城乡建设局', 'Housing and Urban-Rural Development Bureau'],
  ['civil', '民政局', 'Civil Affairs Bureau'],
  ['water', '水务局', 'Water Affairs Bureau'],
  ['power', '供电公司', 'Power Supply Company'],
  ['gas', '燃气公司', 'Gas Company'],
  ['police', '公安局', 'Public Security Bureau'],
  ['emergency', '应急管理局', 'Emergency Management Bureau'],
  ['market', '市场监督管理局', 'Market Supervision Bureau'],
  ['transport', '交通运输局', 'Transport Bureau'],
  ['urban', '城市管理综合行政执法局', 'Urban Management Bureau'],
  ['health', '卫生健康局', 'Health Commission'],
  ['hr', '人力资源和社会保障局', 'Human Resources and Social Security Bureau'],
  ['court', '人民法院', "People's Court"],
]

/** City departments a case escalated to the city reaches. */
const CITY_DEPARTMENTS: Array<[string, string, string]> = [
  ['land', '廊坊市自然资源和规划局', 'Langfang Natural Resources and Planning Bureau'],
  ['environment', '廊坊市生态环境局', 'Langfang Ecology and Environment Bureau'],
  ['housing', '廊坊市住房和城乡建设局', 'Langfang Housing and Urban-Rural Development Bureau'],
  ['petition', '廊坊市信访局', 'Langfang Letters and Visits Bureau'],
]

/** Township sections (股室) and stationed units: suffix, name, English, kind, duty. */
const TOWNSHIP_SECTIONS: Array<[string, string, string, string, string]> = [
  ['safety', '安全生产监督管理站', 'Work Safety Station', 'section', 'safety'],
  ['civil', '民政办', 'Civil Affairs Office', 'section', 'civil'],
  ['planning', '规划建设办', 'Planning and Construction Office', 'section', 'planning'],
  ['agri', '农业农村办', 'Agriculture Office', 'section', 'agriculture'],
  ['justice', '司法所', 'Judicial Office', 'station', 'justice'],
  ['police', '派出所', 'Police Station', 'station', 'police'],
]

function buildOrg(): { regions: RegionSeed[]; units: UnitSeed[] } {
  const regions: RegionSeed[] = [{ code: CITY, name: '廊坊市', nameEn: 'Langfang', level: 'city', parent: null }]
  const units: UnitSeed[] = [
    { code: `${CITY}-centre`, name: '廊坊市综治中心', nameEn: 'Langfang Governance Centre', kind: 'centre', level: 'city', region: CITY, duty: 'general' },
  ]
  for (const [suffix, name, nameEn] of CITY_DEPARTMENTS) {
    units.push({ code: `${CITY}-${suffix}`, name, nameEn, kind: 'department', level: 'city', region: CITY, parent: `${CITY}-centre`, duty: suffix })
  }
  for (const county of TREE) {
    regions.push({ code: county.code, name: county.name, nameEn: county.nameEn, level: 'county', parent: CITY })
    const centre = `${county.code}-centre`
    units.push({
      code: centre,
      name: `${county.name}综治中心`,
      nameEn: `${county.nameEn} Governance Centre`,
      kind: 'centre',
      level: 'county',
      region: county.code,
      parent: `${CITY}-centre`,
      duty: 'general',
    })
    for (const [suffix, name, nameEn] of COUNTY_DEPARTMENTS) {
      units.push({
        code: `${county.code}-${suffix}`,
        name: `${county.name}${name}`,
        nameEn: `${county.nameEn} ${nameEn}`,
        kind: 'department',
        level: 'county',
        region: county.code,
        parent: centre,
        duty: suffix,
      })
    }
    for (const town of county.townships) {
      regions.push({ code: town.code, name: town.name, nameEn: town.nameEn, level: 'township', parent: county.code })
      const townCentre = `${town.code}-centre`
      units.push({
        code: townCentre,
        name: `${town.name}综治中心`,
        nameEn: `${town.nameEn} Governance Centre`,
        kind: 'centre',
        level: 'township',
        region: town.code,
        parent: centre,
        duty: 'general',
      })
      for (const [suffix, name, nameEn, kind, duty] of TOWNSHIP_SECTIONS) {
        units.push({
          code: `${town.code}-${suffix}`,
          name: `${town.name.replace(/(镇|街道)$/, '')}${name}`,
          nameEn: `${town.nameEn} ${nameEn}`,
          kind,
          level: 'township',
          region: town.code,
          parent: townCentre,
          duty,
        })
      }
      town.villages.forEach(([vName, vNameEn, grids], i) => {
        const vCode = `${town.code}-v${String(i + 1).padStart(2, '0')}`
        const community = vName.endsWith('社区')
        regions.push({ code: vCode, name: vName, nameEn: vNameEn, level: 'village', parent: town.code })
        // The unit serving a village or a grid carries the region's own code.
        units.push({
          code: vCode,
          name: `${vName}${community ? '居民委员会' : '村民委员会'}`,
          nameEn: `${vNameEn} Committee`,
          kind: 'village_committee',
          level: 'village',
          region: vCode,
          parent: townCentre,
          duty: 'general',
        })
        for (let g = 1; g <= grids; g++) {
          const gCode = `${vCode}-g${g}`
          const gName = `${vName}第${'一二三四五'[g - 1]}网格`
          regions.push({ code: gCode, name: gName, nameEn: `${vNameEn} Grid ${g}`, level: 'grid', parent: vCode })
          units.push({ code: gCode, name: gName, nameEn: `${vNameEn} Grid ${g}`, kind: 'grid', level: 'grid', region: gCode, parent: vCode, duty: 'general' })
        }
      })
    }
  }
  return { regions, units }
}

/** Demo users; all have the password `demo`. The first seven are the ones api.md names. */
export const DEMO_USERS: UserSeed[] = [
  { username: 'admin', displayName: '系统管理员', roles: ['admin'], unit: 'langfang-centre' },
  { username: 'xianghe-admin', displayName: '香河县管理员', roles: ['county_admin'], unit: 'xianghe-centre' },
  // The city desk also watches every county's and township's dispatch queue (groups filled in
  // by seedDemoOrg): a case no rule routes waits for the centre nearest it, and the demo's
  // own dispatcher would otherwise never see one (issue 12).
  { username: 'dispatcher', displayName: '市综治中心调度员 李娜', roles: ['dispatcher'], unit: 'langfang-centre', groups: ['@centres'] },
  { username: 'grid01', displayName: '网格员 王强', roles: ['grid_worker'], unit: 'xh-anping-v01-g1' },
  { username: 'land-officer', displayName: '县自然资源和规划局 赵敏', roles: ['handler'], unit: 'xianghe-land' },
  { username: 'leader', displayName: '市综治中心主任 陈刚', roles: ['leader'], unit: 'langfang-centre', groups: ['management'] },
  { username: 'callback', displayName: '回访员 刘芳', roles: ['callback'], unit: 'langfang-centre' },

  { username: 'guangyang-admin', displayName: '广阳区管理员', roles: ['county_admin'], unit: 'guangyang-centre' },
  { username: 'supervisor', displayName: '督办员 孙伟', roles: ['supervisor'], unit: 'langfang-centre' },
  { username: 'accountant', displayName: '财务 周婷', roles: ['handler'], unit: 'langfang-centre', groups: ['accounting'] },
  { username: 'city-land-officer', displayName: '市自然资源和规划局 吴昊', roles: ['handler'], unit: 'langfang-land' },
  { username: 'city-petition-officer', displayName: '市信访局 郑洁', roles: ['handler'], unit: 'langfang-petition' },

  { username: 'xianghe-dispatcher', displayName: '香河县综治中心调度员 马骏', roles: ['dispatcher'], unit: 'xianghe-centre' },
  { username: 'xianghe-leader', displayName: '香河县综治中心主任 何勇', roles: ['leader'], unit: 'xianghe-centre' },
  { username: 'xianghe-supervisor', displayName: '香河县督办员 高岩', roles: ['supervisor'], unit: 'xianghe-centre' },
  { username: 'xianghe-callback', displayName: '香河县回访员 林静', roles: ['callback'], unit: 'xianghe-centre' },
  { username: 'env-officer', displayName: '香河生态环境分局 罗斌', roles: ['handler'], unit: 'xianghe-environment' },
  { username: 'housing-officer', displayName: '香河县住建局 梁晨', roles: ['handler'], unit: 'xianghe-housing' },
  { username: 'civil-officer', displayName: '香河县民政局 宋丽', roles: ['handler'], unit: 'xianghe-civil' },
  { username: 'water-officer', displayName: '香河县水务局 唐磊', roles: ['handler'], unit: 'xianghe-water' },
  { username: 'police-officer', displayName: '香河县公安局 韩涛', roles: ['handler'], unit: 'xianghe-police' },
  { username: 'urban-officer', displayName: '香河县城管局 冯雪', roles: ['handler'], unit: 'xianghe-urban' },
  { username: 'anping-dispatcher', displayName: '安平镇综治中心 许飞', roles: ['dispatcher'], unit: 'xh-anping-centre' },
  { username: 'anping-leader', displayName: '安平镇副镇长 邓华', roles: ['leader'], unit: 'xh-anping-centre' },
  { username: 'anping-safety', displayName: '安平镇安全站 曹阳', roles: ['handler'], unit: 'xh-anping-safety' },
  { username: 'anping-civil', displayName: '安平镇民政办 彭丽', roles: ['handler'], unit: 'xh-anping-civil' },
  { username: 'anping-planning', displayName: '安平镇规划建设办 曾凯', roles: ['handler'], unit: 'xh-anping-planning' },
  { username: 'anping-police', displayName: '安平派出所 萧军', roles: ['handler'], unit: 'xh-anping-police' },
  { username: 'anping-v01', displayName: '安平村委会 田书记', roles: ['handler', 'dispatcher'], unit: 'xh-anping-v01' },
  { username: 'grid-leader', displayName: '网格长 董建国', roles: ['grid_leader'], unit: 'xh-anping-v01' },
  { username: 'grid03', displayName: '网格员 袁芳', roles: ['grid_worker'], unit: 'xh-anping-v01-g2' },
  { username: 'shuyang-dispatcher', displayName: '淑阳镇综治中心 潘越', roles: ['dispatcher'], unit: 'xh-shuyang-centre' },
  { username: 'jiangxintun-dispatcher', displayName: '蒋辛屯镇综治中心 蒋明', roles: ['dispatcher'], unit: 'xh-jiangxintun-centre' },
  { username: 'grid04', displayName: '网格员 蔡亮', roles: ['grid_worker'], unit: 'xh-shuyang-v01-g1' },

  { username: 'guangyang-dispatcher', displayName: '广阳区综治中心调度员 余洋', roles: ['dispatcher'], unit: 'guangyang-centre' },
  { username: 'guangyang-leader', displayName: '广阳区综治中心主任 杜鹏', roles: ['leader'], unit: 'guangyang-centre' },
  { username: 'gy-land-officer', displayName: '广阳区自然资源和规划局 叶青', roles: ['handler'], unit: 'guangyang-land' },
  { username: 'gy-urban-officer', displayName: '广阳区城管局 程浩', roles: ['handler'], unit: 'guangyang-urban' },
  { username: 'gy-housing-officer', displayName: '广阳区住建局 苏敏', roles: ['handler'], unit: 'guangyang-housing' },
  { username: 'xinyuan-dispatcher', displayName: '新源街道综治中心 魏然', roles: ['dispatcher'], unit: 'gy-xinyuan-centre' },
  { username: 'xinyuan-planning', displayName: '新源街道规划建设办 吕冰', roles: ['handler'], unit: 'gy-xinyuan-planning' },
  { username: 'xinyuan-v01', displayName: '新源里社区居委会 丁主任', roles: ['handler', 'dispatcher'], unit: 'gy-xinyuan-v01' },
  { username: 'gy-grid-leader', displayName: '网格长 沈桂兰', roles: ['grid_leader'], unit: 'gy-xinyuan-v01' },
  { username: 'grid02', displayName: '网格员 任杰', roles: ['grid_worker'], unit: 'gy-xinyuan-v01-g1' },
  { username: 'jiefang-dispatcher', displayName: '解放道街道综治中心 姚远', roles: ['dispatcher'], unit: 'gy-jiefang-centre' },
  { username: 'jiuzhou-dispatcher', displayName: '九州镇综治中心 卢刚', roles: ['dispatcher'], unit: 'gy-jiuzhou-centre' },
]

export const DEMO_PASSWORD = 'demo'

/**
 * Hashes of the demo password, one per demo user (each with its own salt), computed once per
 * process: a test suite builds many demo apps and scrypt is deliberately slow.
 */
const demoHashes = new Map<string, Promise<string>>()
function demoHash(username: string): Promise<string> {
  let h = demoHashes.get(username)
  if (!h) demoHashes.set(username, (h = hashPassword(DEMO_PASSWORD)))
  return h
}

async function insertIgnore(trx: Trx, table: string, key: string, rows: Record<string, unknown>[]) {
  for (let i = 0; i < rows.length; i += 50) {
    await trx(table)
      .insert(rows.slice(i, i + 50))
      .onConflict(key)
      .ignore()
  }
}

/** Seeds the demo organisation when the users table is empty. Returns whether it seeded. */
export async function seedDemoOrg(db: Db): Promise<boolean> {
  if (await db('users').first('id')) return false
  const { regions, units } = buildOrg()
  const paths = new Map<string, string>()
  const tenants = new Map<string, string>()
  for (const r of regions) {
    paths.set(r.code, `${r.parent ? paths.get(r.parent) : '/'}${r.code}/`)
    tenants.set(r.code, r.level === 'city' ? '' : r.level === 'county' ? r.code : tenants.get(r.parent!)!)
  }
  const unitRegion = new Map(units.map((u) => [u.code, u.region]))
  const hashes = await Promise.all(DEMO_USERS.map((u) => demoHash(u.username)))
  const centreQueues = units.filter((u) => u.kind === 'centre' && u.level !== 'city').map((u) => `dispatcher@${u.code}`)
  const now = nowIso()

  await db.transaction(async (trx) => {
    await insertIgnore(
      trx,
      'regions',
      'code',
      regions.map((r, i) => ({
        code: r.code,
        name: r.name,
        name_en: r.nameEn,
        level: r.level,
        parent_code: r.parent,
        path: paths.get(r.code),
        tenant: tenants.get(r.code),
        sort: i,
      })),
    )
    await insertIgnore(
      trx,
      'org_units',
      'code',
      units.map((u, i) => ({
        code: u.code,
        name: u.name,
        name_en: u.nameEn,
        kind: u.kind,
        level: u.level,
        region_code: u.region,
        parent_code: u.parent ?? null,
        duty: u.duty,
        sort: i,
      })),
    )
    await insertIgnore(
      trx,
      'users',
      'username',
      DEMO_USERS.map((u, i) => {
        const region = unitRegion.get(u.unit)
        if (!region) throw new Error(`demo user ${u.username}: unknown unit ${u.unit}`)
        return {
          id: randomUUID(),
          username: u.username,
          display_name: u.displayName,
          password_hash: hashes[i],
          roles: JSON.stringify(u.roles),
          unit_code: u.unit,
          region_code: region,
          tenant: tenants.get(region),
          groups: JSON.stringify((u.groups ?? []).flatMap((g) => (g === '@centres' ? centreQueues : [g]))),
          active: true,
          created_at: now,
        }
      }),
    )
  })
  return true
}
