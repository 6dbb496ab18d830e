// The linked-answers attack is the release audit's own solver (one implementation, so the tests
// attack exactly what the audit checks).
export {
  feasibleRange,
  type LinkedAttackInput,
  type LinkedAttackResult,
  solveLinkedAnswers,
} from '../../../src/lib/statistics/linked-answers-audit';
