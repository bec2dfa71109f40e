import { ShippingServiceService } from '../../../gen/shop/shipping/v1/shipping_service.js';
import { AUTHENTICATED, PUBLIC, requires } from '../../platform/src/auth.js';
import { domainStream, startOutboxRelay } from '../../platform/src/events/index.js';
import { defineService } from '../../platform/src/runtime.js';
import { shippingHandlers } from './api/handlers.js';
import { ShippingMethods } from './app/methods.js';
import { RateCardCache, ShippingQuotes } from './app/quotes.js';
import { Shipments } from './app/shipments.js';
import { ShippingZones } from './app/zones.js';
import { CarrierRegistry } from './carriers/registry.js';
import { shippingModels } from './infra/models.js';

const manage = requires('fulfilment.manage');

/** Shipping: zones, methods and rates, address checks, carriers, shipments and tracking. */
export const shippingService = defineService({
  name: 'shipping',
  definition: ShippingServiceService,
  access: {
    // Rate cards are staff work; shoppers see them only as quotes.
    createShippingZone: manage,
    getShippingZone: manage,
    listShippingZones: manage,
    updateShippingZone: manage,
    deleteShippingZone: manage,
    createShippingMethod: manage,
    getShippingMethod: manage,
    listShippingMethods: manage,
    updateShippingMethod: manage,
    deleteShippingMethod: manage,
    // Public: storefronts estimate shipping before sign-in; cart and checkout call it too.
    quoteShipping: PUBLIC,
    validateAddress: PUBLIC,
    // Staff, and the order service's service account granted the fulfilment.manage scope.
    createShipment: manage,
    // Signed-in: the use case lets customers see their own shipments and staff all of them.
    getShipment: AUTHENTICATED,
    listOrderShipments: AUTHENTICATED,
    listShipments: manage,
    addTrackingEvent: manage,
    cancelShipment: manage,
    // Carriers have no token: the HMAC signature over the raw body is their credential.
    receiveCarrierWebhook: PUBLIC,
  },
  streams: [domainStream('shipping')],
  address: (config) => config.shippingAddr,
  async start({ logger, db, nats, fieldCipher, env }) {
    const carriers = CarrierRegistry.fromEnv(env);
    const models = shippingModels(db);
    const relay = startOutboxRelay({ js: nats.js, models: [models.zones, models.methods, models.orders], logger });
    const kick = () => relay.kick();
    const rateCard = new RateCardCache(models.zones, models.methods);
    const rateCardWritten = () => {
      rateCard.invalidate();
      kick();
    };
    const zones = new ShippingZones(models.zones, models.methods, rateCardWritten);
    const methods = new ShippingMethods(models.methods, zones, () => carriers.codes, rateCardWritten);
    const quotes = new ShippingQuotes(rateCard);
    const shipments = new Shipments(models, carriers, fieldCipher, kick);
    logger.info('shipping carriers', { carriers: carriers.codes.join(',') });
    return { handlers: shippingHandlers(zones, methods, quotes, shipments), stop: () => relay.stop() };
  },
});
