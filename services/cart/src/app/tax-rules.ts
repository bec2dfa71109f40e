import type { Model } from 'mongoose';
import type { TaxRule } from '../../../../gen/shop/cart/v1/cart_service.js';
import { DomainError, invalidArgument } from '../../../platform/src/errors.js';
import { isDuplicateKey } from '../../../platform/src/mongo.js';
import { resourceErrors } from '../../../platform/src/resource-errors.js';
import { rateFor, validateTaxRule, type TaxRuleFields } from '../domain/tax-rules.js';
import type { TaxRate } from '../domain/totals.js';
import type { TaxRuleDoc } from '../infra/tax-rules.js';

const ERRORS = resourceErrors('tax rule');
/** Other processes' rule changes reach cart totals within this long. */
const CACHE_MS = 10_000;

const toMessage = (doc: TaxRuleDoc): TaxRule => ({
  id: doc._id,
  countryCode: doc.countryCode,
  region: doc.region,
  rateBps: doc.rateBps,
  pricesIncludeTax: doc.pricesIncludeTax,
  taxShipping: doc.taxShipping,
  name: doc.name,
});

/**
 * Tax rules (staff) and the rate a destination pays. The rules are few (one per
 * country or region) and read on every cart view, so they are held in memory and
 * re-read every few seconds, and at once after a change made here.
 */
export class TaxRules {
  private cache: { rules: TaxRuleFields[]; at: number } | null = null;
  /** The re-read under way, shared by every cart view that needs it meanwhile. */
  private reading: Promise<TaxRuleFields[]> | null = null;

  constructor(
    private readonly model: Model<TaxRuleDoc>,
    private readonly now: () => number = Date.now,
  ) {}

  async create(input: TaxRule | undefined): Promise<TaxRule> {
    if (!input) throw invalidArgument([{ field: 'tax_rule', description: 'is required' }]);
    const fields = validateTaxRule(input);
    try {
      const doc = await this.model.create(fields);
      this.cache = null;
      return toMessage(doc.toObject());
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const where = fields.region ? `${fields.countryCode}-${fields.region}` : fields.countryCode;
      throw new DomainError('already_exists', 'TAX_RULE_EXISTS', `${where} already has a tax rule; delete it first to replace it`, { country_code: fields.countryCode, region: fields.region });
    }
  }

  async list(countryCode: string): Promise<TaxRule[]> {
    const filter = countryCode ? { countryCode: countryCode.trim().toUpperCase() } : {};
    const docs = await this.model.find(filter).sort({ countryCode: 1, region: 1 }).limit(1000).lean<TaxRuleDoc[]>();
    return docs.map(toMessage);
  }

  async delete(id: string): Promise<void> {
    const result = await this.model.deleteOne({ _id: id });
    if (result.deletedCount !== 1) throw ERRORS.notFound(id);
    this.cache = null;
  }

  /** The tax a destination pays (region rule over country rule; none = no tax). */
  readonly rateFor = async (countryCode: string, region: string): Promise<TaxRate> => {
    const rules = this.cache && this.now() - this.cache.at <= CACHE_MS ? this.cache.rules : await this.reread();
    return rateFor(rules, countryCode, region);
  };

  private readonly reread = (): Promise<TaxRuleFields[]> => {
    this.reading ??= (async () => {
      try {
        const docs = await this.model.find({}).limit(5000).lean<TaxRuleDoc[]>();
        this.cache = { rules: docs, at: this.now() };
        return docs;
      } finally {
        this.reading = null;
      }
    })();
    return this.reading;
  };
}
