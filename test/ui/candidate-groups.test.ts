import t from 'tap'
import { groupChips, groupValue } from '../../ui/src/lib/candidate-groups.js'

// The modeler's group picker split `=handlerGroup` style values on commas and joined chips with
// commas: adding a role to any shipped task deployed `=handlerGroup,role:leader`, which is not
// FEEL, and deploy refused it. Expected values written out by hand.
t.test('a literal list stays a comma list', async (t) => {
  t.same(groupChips('role:leader, unit:xianghe-water'), ['role:leader', 'unit:xianghe-water'])
  t.equal(groupValue(['role:leader', 'unit:xianghe-water']), 'role:leader,unit:xianghe-water')
  t.same(groupChips(''), [])
  t.equal(groupValue([]), undefined, 'no chips: no attribute')
})

t.test('an expression is one chip, and a group added beside it makes one FEEL concatenation', async (t) => {
  t.same(groupChips('=handlerGroup'), ['=handlerGroup'])
  t.equal(groupValue(['=handlerGroup']), '=handlerGroup', 'untouched, it is written back as it was')
  t.equal(groupValue(['=handlerGroup', 'role:leader']), '=(handlerGroup) + "," + "role:leader"')
  t.same(groupChips('=(handlerGroup) + "," + "role:leader"'), ['=handlerGroup', 'role:leader'], 'and it reads back as the same chips')
  t.same(groupChips('=gridGroup + "," + handlerGroup'), ['=gridGroup', '=handlerGroup'], "the one-case-one-plan consultation's two groups")
  t.equal(groupValue(['=gridGroup']), '=gridGroup', 'one removed: the other alone')
})

t.test('what is not a concatenation stays whole', async (t) => {
  t.same(groupChips('=if urgent then "role:leader" else handlerGroup'), ['=if urgent then "role:leader" else handlerGroup'])
  t.same(groupChips('=f(a, ",") + "," + "x"'), ['=f(a, ",")', 'x'], 'commas inside calls and strings do not split')
  t.equal(groupValue(['${handlerGroup}', 'role:leader']), '${handlerGroup},role:leader', 'JUEL is left as a list')
})
