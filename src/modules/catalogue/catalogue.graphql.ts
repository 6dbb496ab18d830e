import type { FastifyInstance } from 'fastify';
import { graphqlEnum } from '../../lib/graphql-enum';
import { ACTIVITY_UNITS, CORE_ELEMENTS, DOMAINS, FREQUENCY_PERIODS, INFORMANTS, INSTRUMENT_KINDS, SETTINGS } from '../../lib/vocabulary';
import type { CatalogueRepository } from './catalogue.repository';
import type { Resolvers } from '../../generated/graphql';

export const catalogueTypeDefs = /* GraphQL */ `
  ${graphqlEnum('Domain', DOMAINS)}
  ${graphqlEnum('CoreElement', CORE_ELEMENTS)}
  ${graphqlEnum('Informant', INFORMANTS)}
  ${graphqlEnum('InstrumentKind', INSTRUMENT_KINDS)}
  ${graphqlEnum('ActivityUnit', ACTIVITY_UNITS)}
  ${graphqlEnum('FrequencyPeriod', FREQUENCY_PERIODS)}
  ${graphqlEnum('Setting', SETTINGS)}

  type StatusLevel { value: Float! label: String! rank: Int }

  "A measurement instrument with the psychometric values the N=1 statistics use."
  type Instrument {
    code: ID!
    name: String!
    kind: InstrumentKind!
    domain: Domain
    questionnaire: String
    minValue: Float!
    maxValue: Float!
    higherIsBetter: Boolean!
    clinicalCutoff: Float
    normSd: Float
    reliability: Float
    "Where the norm SD, reliability and cut-off come from."
    psychometricSource: String!
    levels: [StatusLevel!]
    informants: [Informant!]!
  }

  type ActivityType { code: ID! name: String! domain: Domain unit: ActivityUnit! coreElement: CoreElement }

  type OfferItem { activityTypeCode: String! expectedCount: Int! period: FrequencyPeriod! coreElement: CoreElement }

  type Programme {
    code: ID!
    name: String!
    institutionCode: String!
    settings: [Setting!]!
    description: String!
    "Activity types every youth in the programme gets, with their expected frequency."
    fixedOffer: [OfferItem!]!
  }

  extend type Query {
    instruments: [Instrument!]!
    activityTypes: [ActivityType!]!
    programmes: [Programme!]!
  }
`;

export function registerCatalogueGraphql(app: FastifyInstance, catalogue: CatalogueRepository) {
  app.graphql.extendSchema(catalogueTypeDefs);
  const resolvers: Resolvers = {
    Query: {
      instruments: () => catalogue.listInstruments(),
      activityTypes: () => catalogue.listActivityTypes(),
      programmes: () => catalogue.listProgrammes(),
    },
  };
  app.graphql.defineResolvers(resolvers);
}
