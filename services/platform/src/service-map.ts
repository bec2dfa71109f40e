/**
 * The one map of services: name, the gRPC services each one serves, its default port
 * and the variable that overrides its address. The runtime, the Envoy edge, the
 * launcher, tests and compose are all derived from it.
 */
export const SERVICE_MAP = [
  { name: 'identity', grpcServices: ['shop.identity.v1.IdentityService'], defaultPort: 50051, addrEnv: 'SHOP_IDENTITY_ADDR' },
  { name: 'catalog', grpcServices: ['shop.catalog.v1.CatalogService'], defaultPort: 50052, addrEnv: 'SHOP_CATALOG_ADDR' },
  { name: 'search', grpcServices: ['shop.search.v1.SearchService'], defaultPort: 50053, addrEnv: 'SHOP_SEARCH_ADDR' },
  { name: 'inventory', grpcServices: ['shop.inventory.v1.InventoryService'], defaultPort: 50054, addrEnv: 'SHOP_INVENTORY_ADDR' },
  { name: 'payment', grpcServices: ['shop.payment.v1.PaymentService'], defaultPort: 50055, addrEnv: 'SHOP_PAYMENT_ADDR' },
  { name: 'shipping', grpcServices: ['shop.shipping.v1.ShippingService'], defaultPort: 50056, addrEnv: 'SHOP_SHIPPING_ADDR' },
  { name: 'cart', grpcServices: ['shop.cart.v1.CartService'], defaultPort: 50057, addrEnv: 'SHOP_CART_ADDR' },
  { name: 'order', grpcServices: ['shop.order.v1.OrderService'], defaultPort: 50058, addrEnv: 'SHOP_ORDER_ADDR' },
] as const;

export type ServiceName = (typeof SERVICE_MAP)[number]['name'];

/**
 * Server-streaming methods: the edge gives them no route timeout (a watch lasts minutes)
 * and streams their JSON as one object per line.
 */
export const STREAMING_METHODS: readonly string[] = ['/shop.order.v1.OrderService/WatchOrder'];
