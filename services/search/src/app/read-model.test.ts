import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProductStatus, type Product } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import { BrandChanged, CategoryChanged, ProductCreated, ProductDeleted, ProductTypeChanged, ProductUpdated } from '../../../../gen/shop/catalog/v1/events.js';
import { AttributeType, type AttributeDefinition, type ProductType } from '../../../../gen/shop/catalog/v1/product_type.js';
import { brand, category, eur, product } from '../domain/test-products.js';
import { SearchReadModel, type CatalogProduct, type CatalogEvent } from './read-model.js';

const created = (p: Product, extra: Partial<ProductCreated> = {}): CatalogEvent =>
  ({ type: 'shop.catalog.v1.ProductCreated', data: ProductCreated.encode({ product: p, occurTime: new Date(), brand: undefined, categories: [], productType: undefined, ...extra }).finish() });
const updated = (p: Product): CatalogEvent =>
  ({ type: 'shop.catalog.v1.ProductUpdated', data: ProductUpdated.encode({ product: p, changedFields: [], occurTime: new Date(), brand: undefined, categories: [], productType: undefined }).finish() });
const deleted = (id: string): CatalogEvent =>
  ({ type: 'shop.catalog.v1.ProductDeleted', data: ProductDeleted.encode({ productId: id, sku: '', occurTime: new Date() }).finish() });

const names = (model: SearchReadModel) => [...model.index.all()].map((d) => d.name).sort();
const noCatalog = async function* (): AsyncIterable<CatalogProduct[]> { /* empty */ };

describe('applying catalog events', () => {
  test('only active products are indexed; drafts, archived and deleted ones leave', () => {
    const model = new SearchReadModel(noCatalog);
    model.apply(created(product({ id: 'a', name: 'Mug', price: eur(100) })));
    model.apply(created(product({ id: 'b', name: 'Draft mug', status: ProductStatus.PRODUCT_STATUS_DRAFT })));
    assert.deepEqual(names(model), ['Mug']);
    model.apply(updated(product({ id: 'a', name: 'Mug', status: ProductStatus.PRODUCT_STATUS_ARCHIVED, etag: '"2"' })));
    assert.deepEqual(names(model), []);
    model.apply(updated(product({ id: 'b', name: 'Draft mug', etag: '"2"' })));
    assert.deepEqual(names(model), ['Draft mug']);
    model.apply(deleted('b'));
    assert.deepEqual(names(model), []);
  });

  test('a redelivered or late event never rolls a product back', () => {
    const model = new SearchReadModel(noCatalog);
    const v1 = created(product({ id: 'a', name: 'Mug' }));
    model.apply(v1);
    model.apply(updated(product({ id: 'a', name: 'Mug', status: ProductStatus.PRODUCT_STATUS_ARCHIVED, etag: '"2"' })));
    model.apply(v1);
    assert.deepEqual(names(model), [], 'the archived product stays out');
    model.apply(deleted('a'));
    model.apply(updated(product({ id: 'a', name: 'Mug', etag: '"3"' })));
    assert.deepEqual(names(model), [], 'a deleted product never comes back');
  });

  test('renamed brands and moved categories reach the documents that use them', () => {
    const model = new SearchReadModel(noCatalog);
    const phones = category('c-ph', 'Phones', [['c-el', 'Electronics']]);
    model.apply(created(product({ id: 'a', name: 'Phone', brandId: 'b1', categoryIds: ['c-ph'] }), { brand: brand('b1', 'Acme'), categories: [phones] }));
    model.apply({ type: 'shop.catalog.v1.BrandChanged', data: BrandChanged.encode({ brand: brand('b1', 'Acme Corp'), occurTime: undefined }).finish() });
    model.apply({ type: 'shop.catalog.v1.CategoryChanged', data: CategoryChanged.encode({ category: category('c-el', 'Devices', [['c-root', 'All']]), occurTime: undefined }).finish() });
    const doc = model.index.get('a')!;
    assert.equal(doc.brand?.name, 'Acme Corp');
    assert.deepEqual(doc.categoryPaths, [[{ id: 'c-root', name: 'All' }, { id: 'c-el', name: 'Devices' }, { id: 'c-ph', name: 'Phones' }]]);
  });
});

describe('product types decide facets and full text', () => {
  const def = (code: string, type: AttributeType, filterable: boolean, searchable: boolean): AttributeDefinition =>
    ({ code, name: code, type, unit: '', allowedValues: [], required: false, filterable, searchable });
  const goods = (etag: string, materialFilterable: boolean): ProductType => ({
    id: 't1', name: 'Goods', etag, createTime: undefined, updateTime: undefined,
    attributes: [
      def('colour', AttributeType.ATTRIBUTE_TYPE_ENUM, true, true),
      def('material', AttributeType.ATTRIBUTE_TYPE_ENUM, materialFilterable, false),
      def('care', AttributeType.ATTRIBUTE_TYPE_TEXT, false, true),
      def('supplier', AttributeType.ATTRIBUTE_TYPE_TEXT, false, false),
    ],
  });
  const value = (code: string, values: string[], text = '') => ({ code, text, number: 0, boolean: false, values });
  const mug = product({
    id: 'a', name: 'Mug', productTypeId: 't1',
    attributes: [value('colour', ['red']), value('material', ['porcelain']), value('care', [], 'dishwasher safe'), value('supplier', [], 'zanzibarco')],
  });
  const search = (model: SearchReadModel, text: string) => model.index.search({
    text, category: null, brands: [], attributes: {}, currency: null, minPrice: null, maxPrice: null, inStock: false, sort: 'newest', pageSize: 10, pageToken: '',
  });
  const facetFields = (model: SearchReadModel) => search(model, '').facets.map((f) => f.field);

  test('only filterable enum attributes are facets, only searchable ones are found by text', () => {
    const model = new SearchReadModel(noCatalog);
    model.apply(created(mug, { productType: goods('"1"', false) }));
    assert.deepEqual(facetFields(model), ['brand', 'category', 'attr.colour']);
    assert.equal(search(model, 'dishwasher').totalSize, 1, 'a searchable text attribute');
    assert.equal(search(model, 'red').totalSize, 1, 'a searchable enum value');
    assert.equal(search(model, 'porcelain').totalSize, 0, 'not searchable');
    assert.equal(search(model, 'zanzibarco').totalSize, 0, 'not searchable');
  });

  test('a changed type re-derives its products; an older type never overrides a newer one', () => {
    const model = new SearchReadModel(noCatalog);
    model.apply(created(mug, { productType: goods('"1"', false) }));
    const typeChanged = (t: ProductType) => ({ type: 'shop.catalog.v1.ProductTypeChanged', data: ProductTypeChanged.encode({ productType: t, occurTime: undefined }).finish() });
    model.apply(typeChanged(goods('"2"', true)));
    assert.deepEqual(facetFields(model), ['brand', 'category', 'attr.colour', 'attr.material']);
    model.apply(typeChanged(goods('"1"', false)));
    model.apply(updated({ ...mug, etag: '"2"' }));
    assert.deepEqual(facetFields(model), ['brand', 'category', 'attr.colour', 'attr.material'], 'revision 1 of the type is older');
  });
});

describe('rebuilding', () => {
  test('events arriving while the catalog is read are applied to the new index, and queries never wait', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const catalog = async function* (): AsyncIterable<CatalogProduct[]> {
      yield [{ product: product({ id: 'a', name: 'Old name' }), brand: undefined, categories: [] }, { product: product({ id: 'c', name: 'Kettle' }), brand: undefined, categories: [] }];
      await gate;
      yield [{ product: product({ id: 'b', name: 'Teapot' }), brand: undefined, categories: [] }];
    };
    const model = new SearchReadModel(catalog);
    model.apply(created(product({ id: 'z', name: 'Stale' })));
    const rebuilding = model.rebuild();
    assert.strictEqual(model.rebuild(), rebuilding, 'a second request joins the running rebuild');
    await new Promise((r) => setImmediate(r));
    // During the rebuild the old index serves and follows events.
    model.apply(updated(product({ id: 'a', name: 'New name', etag: '"2"' })));
    model.apply(deleted('c'));
    model.apply(created(product({ id: 'd', name: 'Cup' })));
    assert.deepEqual(names(model), ['Cup', 'New name', 'Stale']);
    release();
    const result = await rebuilding;
    assert.deepEqual(names(model), ['Cup', 'New name', 'Teapot']);
    assert.deepEqual([result.productCount, result.eventsReplayed], [3, 3]);
  });

  test('a failed rebuild keeps the serving index', async () => {
    const model = new SearchReadModel(async function* () { throw new Error('catalog down'); });
    model.apply(created(product({ id: 'a', name: 'Mug' })));
    await assert.rejects(model.rebuild(), /catalog down/);
    assert.deepEqual(names(model), ['Mug']);
  });
});
