// What other modules may use of the indicators: the functions that compute them (research shows
// them for a page), and the queue's hooks into writes (records, ingest).
export { careDeliveryIndicators, daysInCare, outcomeIndicators } from './compute-indicators';
export { toDelivered, toOfferItem } from './indicator-inputs';
export {
  createIndicatorMaintainer,
  type IndicatorMaintainer,
  indicatorQueueParticipant,
  kickIndicatorsAfterWrites,
  loadInstruments,
} from './indicator-maintainer';
