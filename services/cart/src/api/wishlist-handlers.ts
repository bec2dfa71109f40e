import type { CartServiceService, SharedWishlist, Wishlist, WishlistItem } from '../../../../gen/shop/cart/v1/cart_service.js';
import type { ServiceHandlers } from '../../../platform/src/grpc/context.js';
import { etagOf } from '../../../platform/src/etag.js';
import type { DescribedWishlist, Wishlists } from '../app/wishlists.js';
import { toCartMessage } from './mapping.js';

export type WishlistMethods =
  | 'createWishlist' | 'listWishlists' | 'getWishlist' | 'updateWishlist' | 'deleteWishlist' | 'addWishlistItem'
  | 'removeWishlistItem' | 'moveWishlistItemToCart' | 'notifyWhenAvailable' | 'shareWishlist' | 'unshareWishlist' | 'getSharedWishlist';

function items({ doc, skus }: DescribedWishlist): WishlistItem[] {
  return doc.items.map((item) => {
    const info = skus.get(item.sku);
    return { sku: item.sku, productId: info?.productId ?? '', productName: info?.productName ?? '', purchasable: info?.purchasable ?? false, addTime: item.addedAt };
  });
}

function toWishlist(described: DescribedWishlist): Wishlist {
  const { doc } = described;
  return { id: doc._id, name: doc.name, items: items(described), shareToken: doc.shareToken ?? '', etag: etagOf(doc.revision), createTime: doc.createdAt, updateTime: doc.updatedAt };
}

/** What someone with the link sees: the name and items, nothing about the owner. */
function toShared(described: DescribedWishlist): SharedWishlist {
  return { name: described.doc.name, items: items(described) };
}

export function wishlistHandlers(wishlists: Wishlists): ServiceHandlers<Pick<typeof CartServiceService, WishlistMethods>> {
  return {
    createWishlist: async (req, ctx) => toWishlist(await wishlists.create(req.name, ctx)),
    listWishlists: async (req, ctx) => {
      const page = await wishlists.list(req, ctx);
      return { wishlists: page.lists.map(toWishlist), nextPageToken: page.nextPageToken };
    },
    getWishlist: async (req, ctx) => toWishlist(await wishlists.get(req.id, ctx)),
    updateWishlist: async (req, ctx) => toWishlist(await wishlists.rename(req.id, req.name, req.etag, ctx)),
    deleteWishlist: async (req, ctx) => {
      await wishlists.delete(req.id, ctx);
      return {};
    },
    addWishlistItem: async (req, ctx) => toWishlist(await wishlists.addItem(req.wishlistId, req.sku, ctx)),
    removeWishlistItem: async (req, ctx) => toWishlist(await wishlists.removeItem(req.wishlistId, req.sku, ctx)),
    moveWishlistItemToCart: async (req, ctx) => toCartMessage(await wishlists.moveToCart(req.wishlistId, req.sku, req.cartId, req.quantity, ctx)),
    notifyWhenAvailable: async (req, ctx) => toWishlist(await wishlists.notifyWhenAvailable(req.wishlistId, req.sku, ctx)),
    shareWishlist: async (req, ctx) => toWishlist(await wishlists.share(req.id, ctx)),
    unshareWishlist: async (req, ctx) => toWishlist(await wishlists.unshare(req.id, ctx)),
    getSharedWishlist: async (req, ctx) => toShared(await wishlists.shared(req.shareToken, ctx)),
  };
}
