// The benchmark's linked-answers attack (bench/statistics-attacks.ts) is the release audit's own
// solver: it measures what the audit checks. The tests do not use it: a test that asks the
// defence's own code whether the defence held cannot fail for the reason it exists, so they attack
// with test/helpers/attacker/, which shares no code with the audit (issue #23).
export {
  feasibleRange,
  type LinkedAttackInput,
  type LinkedAttackResult,
  solveLinkedAnswers,
} from '../../../src/lib/statistics/linked-answers-audit';
