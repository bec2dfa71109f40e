import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadPackageDefinition, type Server, type ServerDuplexStream, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { FileDescriptorProto, type DescriptorProto } from '../../../../gen/google/protobuf/descriptor.js';

// We serve reflection from the descriptor set buf built, byte for byte, instead of
// @grpc/reflection: that one re-derives descriptors through protobufjs and emits
// package-relative type names (".common.v1.Money" as "*.common.v1.Money") that
// grpcurl cannot resolve.

interface ReflectionRequest {
  host?: string;
  file_by_filename?: string;
  file_containing_symbol?: string;
  list_services?: string;
  file_containing_extension?: unknown;
  all_extension_numbers_of_type?: string;
  message_request?: string;
}

/** An index of the descriptor set: file bytes by name, and which file defines each symbol. */
class DescriptorIndex {
  private readonly files = new Map<string, { bytes: Buffer; deps: string[] }>();
  private readonly symbols = new Map<string, string>();

  constructor(descriptorSet: Uint8Array) {
    for (const bytes of rawFiles(descriptorSet)) {
      const file = FileDescriptorProto.decode(bytes);
      this.files.set(file.name!, { bytes: Buffer.from(bytes), deps: file.dependency });
      const pkg = file.package ? `${file.package}.` : '';
      const addMessages = (prefix: string, messages: DescriptorProto[]) => {
        for (const m of messages) {
          this.symbols.set(`${prefix}${m.name}`, file.name!);
          for (const e of m.enumType) this.symbols.set(`${prefix}${m.name}.${e.name}`, file.name!);
          addMessages(`${prefix}${m.name}.`, m.nestedType);
        }
      };
      addMessages(pkg, file.messageType);
      for (const e of file.enumType) this.symbols.set(`${pkg}${e.name}`, file.name!);
      for (const s of file.service) {
        this.symbols.set(`${pkg}${s.name}`, file.name!);
        for (const m of s.method) this.symbols.set(`${pkg}${s.name}.${m.name}`, file.name!);
      }
    }
  }

  /** The file and everything it imports, transitively: what a client needs to decode it. */
  withDependencies(fileName: string): Buffer[] | null {
    if (!this.files.has(fileName)) return null;
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name) || !this.files.has(name)) return;
      seen.add(name);
      for (const dep of this.files.get(name)!.deps) visit(dep);
    };
    visit(fileName);
    return [...seen].map((name) => this.files.get(name)!.bytes);
  }

  fileOfSymbol(symbol: string): string | undefined {
    return this.symbols.get(symbol.replace(/^\./, ''));
  }
}

/**
 * The FileDescriptorProtos of a FileDescriptorSet as the exact bytes buf wrote:
 * re-encoding a decoded descriptor would drop proto2 fields set to their zero value
 * (a oneof_index of 0), which corrupts oneofs for the client.
 */
function rawFiles(descriptorSet: Uint8Array): Uint8Array[] {
  const reader = new BinaryReader(descriptorSet);
  const files: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) files.push(reader.bytes());
    else reader.skip(wireType);
  }
  return files;
}

function reflectionDefinitions(): ServiceDefinition[] {
  const require = createRequire(import.meta.url);
  const protoRoot = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto');
  const out: ServiceDefinition[] = [];
  for (const version of ['v1', 'v1alpha']) {
    const pkgDef = loadSync(`grpc/reflection/${version}/reflection.proto`, { includeDirs: [protoRoot], keepCase: true, oneofs: true, defaults: false });
    const loaded = loadPackageDefinition(pkgDef) as any;
    out.push(loaded.grpc.reflection[version].ServerReflection.service as ServiceDefinition);
  }
  return out;
}

/** Adds gRPC server reflection (v1 and v1alpha) answering from the descriptor set file. */
export function addReflection(server: Server, descriptorPath: string, serviceNames: () => string[]): void {
  const index = new DescriptorIndex(readFileSync(descriptorPath));
  const handler = (call: ServerDuplexStream<ReflectionRequest, unknown>) => {
    call.on('data', (req: ReflectionRequest) => {
      const base = { valid_host: req.host ?? '', original_request: req };
      const notFound = (what: string) => call.write({ ...base, error_response: { error_code: 5, error_message: `${what} not found` } });
      if (req.list_services !== undefined) {
        const names = [...serviceNames(), 'grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];
        call.write({ ...base, list_services_response: { service: names.map((name) => ({ name })) } });
      } else if (req.file_by_filename !== undefined) {
        const files = index.withDependencies(req.file_by_filename);
        if (files) call.write({ ...base, file_descriptor_response: { file_descriptor_proto: files } });
        else notFound(`file ${req.file_by_filename}`);
      } else if (req.file_containing_symbol !== undefined) {
        const file = index.fileOfSymbol(req.file_containing_symbol);
        const files = file ? index.withDependencies(file) : null;
        if (files) call.write({ ...base, file_descriptor_response: { file_descriptor_proto: files } });
        else notFound(`symbol ${req.file_containing_symbol}`);
      } else if (req.all_extension_numbers_of_type !== undefined) {
        call.write({ ...base, all_extension_numbers_response: { base_type_name: req.all_extension_numbers_of_type, extension_number: [] } });
      } else {
        call.write({ ...base, error_response: { error_code: 12, error_message: 'not implemented' } });
      }
    });
    call.on('end', () => call.end());
  };
  for (const definition of reflectionDefinitions()) server.addService(definition, { ServerReflectionInfo: handler });
}
