import { nowIso, type Db } from '../lib/db.js'
import { ruleRow } from './routing.js'

/**
 * The starting category tree and routing rules (demo mode, empty tables). Deadlines are
 * Beijing's 12345 draft standard (domain.md): emergencies 2 h, water/power/gas/heating 24 h,
 * ordinary 7 days, complex 15 days; first response within 2 h (urgent matters) or 24 h.
 * Every value is a row administrators edit, never code.
 */

type Limits = Record<string, { response: string; resolve: string }>

const EMERGENCY = { response: 'PT30M', resolve: 'PT2H' }
const ORDINARY: Limits = { emergency: EMERGENCY, urgent: { response: 'PT2H', resolve: 'P1D' }, normal: { response: 'PT24H', resolve: 'P7D' } }
const UTILITIES: Limits = { emergency: EMERGENCY, urgent: { response: 'PT2H', resolve: 'PT24H' }, normal: { response: 'PT2H', resolve: 'PT24H' } }
const COMPLEX: Limits = { emergency: EMERGENCY, urgent: { response: 'PT2H', resolve: 'P3D' }, normal: { response: 'PT24H', resolve: 'P15D' } }
const QUICK: Limits = { emergency: EMERGENCY, urgent: { response: 'PT30M', resolve: 'PT2H' }, normal: { response: 'PT2H', resolve: 'P1D' } }

interface CategorySeed {
  code: string
  name: string
  nameEn: string
  duty?: string
  level?: string
  procedure?: string
  limits?: Limits
  children?: CategorySeed[]
}

export const CATEGORY_TREE: CategorySeed[] = [
  {
    code: 'environment',
    name: '环境卫生',
    nameEn: 'Environment and sanitation',
    duty: 'environment',
    level: 'county',
    children: [
      { code: 'environment.garbage', name: '垃圾堆放', nameEn: 'Garbage dumping', duty: 'general', level: 'village' },
      { code: 'environment.pollution', name: '污染排放', nameEn: 'Pollution', duty: 'environment', level: 'county' },
      { code: 'environment.noise', name: '噪声扰民', nameEn: 'Noise', duty: 'environment', level: 'county' },
    ],
  },
  {
    code: 'roads',
    name: '道路交通',
    nameEn: 'Roads and traffic',
    duty: 'transport',
    level: 'county',
    children: [
      { code: 'roads.damage', name: '道路破损', nameEn: 'Damaged road', duty: 'transport', level: 'county' },
      { code: 'roads.lighting', name: '路灯照明', nameEn: 'Street lighting', duty: 'urban', level: 'county' },
    ],
  },
  {
    code: 'utilities',
    name: '水电气热',
    nameEn: 'Utilities (water, power, gas, heating)',
    duty: 'water',
    level: 'county',
    limits: UTILITIES,
    children: [
      { code: 'utilities.water', name: '供水', nameEn: 'Water supply', duty: 'water', limits: UTILITIES },
      { code: 'utilities.power', name: '供电', nameEn: 'Power supply', duty: 'power', limits: UTILITIES },
      { code: 'utilities.gas', name: '燃气', nameEn: 'Gas', duty: 'gas', limits: UTILITIES },
      { code: 'utilities.heating', name: '供暖', nameEn: 'Heating', duty: 'housing', limits: UTILITIES },
    ],
  },
  {
    code: 'housing',
    name: '住房物业',
    nameEn: 'Housing and property management',
    duty: 'housing',
    level: 'county',
    children: [
      { code: 'housing.old_estate', name: '老旧小区改造', nameEn: 'Old estate renovation', duty: 'housing', limits: COMPLEX },
      { code: 'housing.property', name: '物业服务', nameEn: 'Property management service', duty: 'housing' },
    ],
  },
  {
    code: 'land',
    name: '土地资源',
    nameEn: 'Land and resources',
    duty: 'land',
    level: 'county',
    limits: COMPLEX,
    children: [
      { code: 'land.use', name: '违法占地', nameEn: 'Illegal land use', duty: 'land', limits: COMPLEX },
      { code: 'land.contract', name: '土地承包', nameEn: 'Land contracting', duty: 'land', limits: COMPLEX },
    ],
  },
  {
    code: 'neighbour',
    name: '邻里纠纷',
    nameEn: 'Neighbour disputes',
    duty: 'justice',
    level: 'grid',
    children: [
      { code: 'neighbour.land', name: '宅基地与土地纠纷', nameEn: 'Homestead and land disputes', duty: 'land', level: 'grid', limits: COMPLEX },
      { code: 'neighbour.building', name: '建房占道纠纷', nameEn: 'Building and right-of-way disputes', duty: 'planning', level: 'grid' },
      { code: 'neighbour.family', name: '家庭矛盾', nameEn: 'Family conflicts', duty: 'justice', level: 'grid' },
    ],
  },
  {
    code: 'safety',
    name: '公共安全',
    nameEn: 'Public safety',
    duty: 'safety',
    level: 'grid',
    children: [
      { code: 'safety.falling', name: '高空坠物隐患', nameEn: 'Risk of falling objects', duty: 'safety', level: 'grid' },
      { code: 'safety.fire', name: '消防隐患', nameEn: 'Fire hazard', duty: 'emergency', level: 'county', limits: QUICK },
      { code: 'safety.security', name: '治安问题', nameEn: 'Public order and security', duty: 'police', level: 'township' },
    ],
  },
  {
    code: 'social',
    name: '社会救助',
    nameEn: 'Social assistance',
    duty: 'civil',
    level: 'township',
    children: [
      { code: 'social.subsistence', name: '低保救助', nameEn: 'Minimum living allowance', duty: 'civil' },
      { code: 'social.elderly', name: '养老服务', nameEn: 'Elderly care', duty: 'civil' },
    ],
  },
  {
    code: 'market',
    name: '市场消费',
    nameEn: 'Market and consumer rights',
    duty: 'market',
    level: 'county',
    children: [
      { code: 'market.consumer', name: '消费维权', nameEn: 'Consumer complaints', duty: 'market' },
      { code: 'market.food', name: '食品安全', nameEn: 'Food safety', duty: 'market', limits: QUICK },
    ],
  },
  {
    code: 'logistics',
    name: '快递物流',
    nameEn: 'Courier and logistics',
    duty: 'general',
    level: 'grid',
    limits: QUICK,
    children: [{ code: 'logistics.parcel', name: '快递包裹', nameEn: 'Parcels', duty: 'general', level: 'grid', limits: QUICK }],
  },
  {
    code: 'urban',
    name: '市容城管',
    nameEn: 'Urban management',
    duty: 'urban',
    level: 'county',
    children: [
      { code: 'urban.stall', name: '占道经营', nameEn: 'Street stalls', duty: 'urban' },
      { code: 'urban.parking', name: '乱停乱放', nameEn: 'Illegal parking', duty: 'urban' },
    ],
  },
  {
    code: 'labour',
    name: '劳动社保',
    nameEn: 'Labour and social security',
    duty: 'hr',
    level: 'county',
    children: [{ code: 'labour.wages', name: '拖欠工资', nameEn: 'Unpaid wages', duty: 'hr' }],
  },
  {
    code: 'policy',
    name: '政策咨询',
    nameEn: 'Policy enquiries',
    duty: 'general',
    level: 'township',
    limits: QUICK,
    children: [{ code: 'policy.insurance', name: '保险理赔咨询', nameEn: 'Insurance claims', duty: 'general', level: 'township', limits: QUICK }],
  },
  { code: 'other', name: '其他', nameEn: 'Other', duty: 'general', level: 'township' },
]

/** City rules: who owns which category (tokens are resolved against the case's region). */
export const DEFAULT_RULES: { category: string | null; owner: string; level?: string; procedure?: string; responseLimit?: string; resolveLimit?: string }[] = [
  { category: 'environment.garbage', owner: '@village', level: 'village' },
  { category: 'environment', owner: '@county:environment', level: 'county' },
  { category: 'roads.lighting', owner: '@county:urban', level: 'county' },
  { category: 'roads', owner: '@county:transport', level: 'county' },
  { category: 'utilities.water', owner: '@county:water', level: 'county' },
  { category: 'utilities.power', owner: '@county:power', level: 'county' },
  { category: 'utilities.gas', owner: '@county:gas', level: 'county' },
  { category: 'utilities.heating', owner: '@county:housing', level: 'county' },
  { category: 'housing', owner: '@county:housing', level: 'county' },
  { category: 'land', owner: '@county:land', level: 'county' },
  { category: 'neighbour', owner: '@grid', level: 'grid' },
  { category: 'safety.falling', owner: '@grid', level: 'grid' },
  { category: 'safety.fire', owner: '@county:emergency', level: 'county' },
  { category: 'safety.security', owner: '@township:police', level: 'township' },
  { category: 'social', owner: '@township:civil', level: 'township' },
  { category: 'market', owner: '@county:market', level: 'county' },
  { category: 'logistics', owner: '@grid', level: 'grid' },
  { category: 'urban', owner: '@county:urban', level: 'county' },
  { category: 'labour', owner: '@county:hr', level: 'county' },
]

/** Seeds categories and the city's routing rules when the categories table is empty. */
export async function seedCases(db: Db): Promise<boolean> {
  if (await db('categories').first('code')) return false
  const rows: Record<string, unknown>[] = []
  const visit = (list: CategorySeed[], parent: CategorySeed | null) => {
    for (const c of list) {
      rows.push({
        code: c.code,
        parent_code: parent?.code ?? null,
        name: c.name,
        name_en: c.nameEn,
        duty: c.duty ?? parent?.duty ?? null,
        default_level: c.level ?? parent?.level ?? 'township',
        procedure: c.procedure ?? parent?.procedure ?? 'ordinary',
        limits: JSON.stringify(c.limits ?? parent?.limits ?? ORDINARY),
        sort: rows.length,
        active: true,
      })
      if (c.children) visit(c.children, c)
    }
  }
  visit(CATEGORY_TREE, null)
  const now = nowIso()
  await db.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += 50)
      await trx('categories')
        .insert(rows.slice(i, i + 50))
        .onConflict('code')
        .ignore()
    if (!(await trx('routing_rules').first('id'))) {
      await trx('routing_rules').insert(DEFAULT_RULES.map((r, i) => ruleRow(r, '', i, 'system', now)))
    }
  })
  return true
}
