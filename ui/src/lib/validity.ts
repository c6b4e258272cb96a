/**
 * The browser's own validation bubbles speak the browser's language ("Please fill out this
 * field" in an English Chromium): every form control gets our message in the chosen language
 * instead, set when the browser finds it invalid and cleared as soon as it is edited.
 */
import { t } from './i18n.js'

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement

export function validityMessage(el: Control): string {
  const v = el.validity
  if (v.valueMissing) {
    if (el instanceof HTMLSelectElement) return t('请选择一项。', 'Please choose one.')
    if (el instanceof HTMLInputElement && (el.type === 'radio' || el.type === 'checkbox')) return t('请勾选此项。', 'Please tick this.')
    return t('请填写此项。', 'Please fill this in.')
  }
  if (v.typeMismatch)
    return el instanceof HTMLInputElement && el.type === 'email'
      ? t('请填写有效的电子邮件地址。', 'Please enter an email address.')
      : t('格式不正确。', 'This is not in the right form.')
  if (v.patternMismatch) return t('格式不正确。', 'This is not in the right form.')
  if (v.tooShort)
    return t(
      `至少 ${el.getAttribute('minlength')} 个字符（现有 ${el.value.length} 个）。`,
      `At least ${el.getAttribute('minlength')} characters (now ${el.value.length}).`,
    )
  if (v.tooLong) return t(`最多 ${el.getAttribute('maxlength')} 个字符。`, `At most ${el.getAttribute('maxlength')} characters.`)
  if (v.rangeUnderflow) return t(`不能小于 ${el.getAttribute('min')}。`, `Must be at least ${el.getAttribute('min')}.`)
  if (v.rangeOverflow) return t(`不能大于 ${el.getAttribute('max')}。`, `Must be at most ${el.getAttribute('max')}.`)
  if (v.stepMismatch) return t('请输入有效的数值。', 'Please enter a valid value.')
  if (v.badInput) return t('请输入数字。', 'Please enter a number.')
  return t('请检查此项。', 'Please check this.')
}

export function installValidityMessages(root: Document = document) {
  root.addEventListener(
    'invalid',
    (e) => {
      const el = e.target as Control
      if (!('setCustomValidity' in el)) return
      // Only the browser's own checks are replaced; a message a page set itself stays.
      if (el.validity.customError && !el.dataset.ownValidity) return
      el.setCustomValidity('')
      if (el.validity.valid) return
      el.dataset.ownValidity = '1'
      el.setCustomValidity(validityMessage(el))
    },
    true,
  )
  const reset = (e: Event) => {
    const el = e.target as Control
    if (!el?.dataset?.ownValidity) return
    delete el.dataset.ownValidity
    el.setCustomValidity('')
    // Radios share one state: clear the whole group.
    if (el instanceof HTMLInputElement && el.type === 'radio' && el.form) {
      for (const other of el.form.querySelectorAll<HTMLInputElement>(`input[type=radio][name="${CSS.escape(el.name)}"]`)) {
        delete other.dataset.ownValidity
        other.setCustomValidity('')
      }
    }
  }
  root.addEventListener('input', reset, true)
  root.addEventListener('change', reset, true)
}
