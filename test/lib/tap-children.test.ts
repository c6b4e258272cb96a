/**
 * tap's test processes run without @tapjs/processinfo's loader when coverage is off (patches/
 * README.md, `@tapjs+core`): tap's spawn put it in NODE_OPTIONS although the `@tapjs/run` patch
 * had taken it out of the arguments, and every module a test process loaded went through its
 * off-thread hook (~1.5 s of CPU per process, ~2 minutes of a CI run).
 */
import t from 'tap'

t.test('a test process under tap without coverage loads no processinfo loader', async (t) => {
  t.equal(process.env.TAP, '1', 'run by tap')
  t.equal(process.env.TAP_DISABLE_COVERAGE, '1', 'with coverage off, as package.json sets it')
  t.notMatch(process.env.NODE_OPTIONS ?? '', /processinfo/, 'not in NODE_OPTIONS')
  t.notOk(
    process.execArgv.some((a) => a.includes('processinfo')),
    'not among the node arguments',
  )
})
