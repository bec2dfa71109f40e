import { Schema, Types, type Connection, type Model } from 'mongoose';
import { outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';
import type { AttributeValueFields } from '../domain/attributes.js';
import type { ImageFields, OptionFields, TranslationFields, VariantFields } from '../domain/product.js';

export interface ProductDoc {
  _id: Types.ObjectId;
  name: string;
  description: string;
  /** Only on products stored before variants existed (issue 2); newer ones keep SKUs in variants. */
  sku?: string;
  deletedSku?: string;
  /** Issue-2 products: the price; newer ones mirror the first variant's price here. */
  price: { currencyCode: string; amountMinor: number };
  status: number;
  /** Absent on deleted products, so the slug is free again (the index is sparse). */
  slug?: string;
  seoTitle: string;
  seoDescription: string;
  productTypeId: string;
  brandId: string;
  categoryIds: string[];
  /** The categories and all their ancestors: "in category X including descendants" is one indexed match. */
  categoryPath: string[];
  options: OptionFields[];
  variants: VariantFields[];
  images: ImageFields[];
  attributes: AttributeValueFields[];
  translations: TranslationFields[];
  /** Bumped by every change; the etag clients send back. */
  revision: number;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

const money = { currencyCode: { type: String }, amountMinor: { type: Number } };
const image = new Schema({ url: String, altText: String }, { _id: false });

const productSchema = new Schema<ProductDoc>(
  {
    name: { type: String, required: true },
    description: { type: String, default: '' },
    sku: { type: String },
    deletedSku: { type: String },
    price: money,
    status: { type: Number, required: true },
    slug: { type: String },
    seoTitle: { type: String, default: '' },
    seoDescription: { type: String, default: '' },
    productTypeId: { type: String, default: '' },
    brandId: { type: String, default: '' },
    categoryIds: { type: [String], default: [] },
    categoryPath: { type: [String], default: [] },
    options: { type: [new Schema({ name: String, values: [String] }, { _id: false })], default: [] },
    variants: {
      type: [
        new Schema(
          {
            id: String,
            sku: String,
            barcode: String,
            optionValues: { type: Schema.Types.Mixed, default: {} },
            price: money,
            weightGrams: Number,
            dimensions: { type: new Schema({ lengthMm: Number, widthMm: Number, heightMm: Number }, { _id: false }), default: undefined },
            images: { type: [image], default: [] },
            trackStock: Boolean,
          },
          { _id: false, minimize: false },
        ),
      ],
      default: [],
    },
    images: { type: [image], default: [] },
    attributes: { type: [new Schema({ code: String, text: String, number: Number, boolean: Boolean, values: [String] }, { _id: false })], default: [] },
    translations: { type: [new Schema({ locale: String, name: String, description: String, seoTitle: String, seoDescription: String }, { _id: false })], default: [] },
    revision: { type: Number, required: true, default: 1 },
    deletedAt: { type: Date, default: null },
    outbox: outboxSchema,
  },
  { timestamps: true, versionKey: false, minimize: false },
);
productSchema.index({ sku: 1 }, { unique: true, sparse: true });
productSchema.index({ slug: 1 }, { unique: true, sparse: true });
// Lookup by SKU (cart, checkout); uniqueness is enforced by variant_skus, not here.
productSchema.index({ 'variants.sku': 1 });
// Shoppers' listing: active, not deleted, newest first; and the same per category, brand.
productSchema.index({ status: 1, deletedAt: 1, _id: -1 });
productSchema.index({ categoryPath: 1, status: 1, deletedAt: 1, _id: -1 });
productSchema.index({ brandId: 1, status: 1, deletedAt: 1, _id: -1 });
productSchema.index({ productTypeId: 1, 'attributes.code': 1 });
productSchema.index({ updatedAt: 1 });

export function productModel(db: Connection): Model<ProductDoc> {
  return db.model<ProductDoc>('Product', productSchema, 'products');
}

/**
 * One document per SKU in use, claimed (by insert) before a product write that adds the
 * SKU and released after the write that removes it: the unique _id makes SKUs unique
 * across every variant of every product, which a multikey index on products cannot do
 * for two variants written concurrently into different documents on all stores we run.
 */
export interface VariantSkuDoc {
  _id: string;
  productId: string;
  claimedAt: Date;
}

const variantSkuSchema = new Schema<VariantSkuDoc>({ _id: { type: String }, productId: { type: String, required: true }, claimedAt: { type: Date, required: true } }, { versionKey: false });
variantSkuSchema.index({ productId: 1 });

export function variantSkuModel(db: Connection): Model<VariantSkuDoc> {
  return db.model<VariantSkuDoc>('VariantSku', variantSkuSchema, 'variant_skus');
}
