/**
 * Built-in display names of the top-level categories the figures group by, used when the
 * cases capability's `categories` table does not name a code (e.g. replayed Baltimore data).
 */
export const CATEGORY_LABELS: Record<string, { zh: string; en: string }> = {
  urban: { zh: '城市管理', en: 'Urban management' },
  utilities: { zh: '水电气暖', en: 'Utilities' },
  transport: { zh: '道路交通', en: 'Roads and transport' },
  housing: { zh: '住房', en: 'Housing' },
  health: { zh: '卫生健康', en: 'Health' },
  safety: { zh: '安全应急', en: 'Safety and emergencies' },
  environment: { zh: '生态环境', en: 'Environment' },
  consultation: { zh: '政策咨询', en: 'Information and consultation' },
  baltimore: { zh: '巴尔的摩其他事项', en: 'Baltimore (other service types)' },
}
