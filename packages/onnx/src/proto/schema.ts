import type { INamespace } from 'protobufjs';

/**
 * The subset of ONNX's `onnx.proto` (IR version 8) that Gated reads and writes, as a protobufjs
 * JSON descriptor: field names, numbers and types are the ONNX specification's. Messages and fields
 * left out (training info, functions, sparse tensors, sequence and map types, ...) are skipped by
 * the decoder as unknown fields; the importer rejects models that would need them by looking at
 * what is present, not by parsing them.
 *
 * Repeated scalar fields are declared `packed` so that the writer emits the compact form ONNX
 * itself declares (`[packed = true]`); protobufjs' decoder accepts both the packed and the unpacked
 * wire form of any repeated scalar, which is what a reader must do.
 *
 * @internal
 */
export const ONNX_SCHEMA: INamespace = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { id: 1, type: 'string' },
            refAttrName: { id: 21, type: 'string' },
            docString: { id: 13, type: 'string' },
            type: { id: 20, type: 'int32' },
            f: { id: 2, type: 'float' },
            i: { id: 3, type: 'int64' },
            s: { id: 4, type: 'bytes' },
            t: { id: 5, type: 'TensorProto' },
            g: { id: 6, type: 'GraphProto' },
            floats: { id: 7, rule: 'repeated', type: 'float', options: { packed: true } },
            ints: { id: 8, rule: 'repeated', type: 'int64', options: { packed: true } },
            strings: { id: 9, rule: 'repeated', type: 'bytes' },
            tensors: { id: 10, rule: 'repeated', type: 'TensorProto' },
            graphs: { id: 11, rule: 'repeated', type: 'GraphProto' },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { id: 1, type: 'string' },
            type: { id: 2, type: 'TypeProto' },
            docString: { id: 3, type: 'string' },
          },
        },
        NodeProto: {
          fields: {
            input: { id: 1, rule: 'repeated', type: 'string' },
            output: { id: 2, rule: 'repeated', type: 'string' },
            name: { id: 3, type: 'string' },
            opType: { id: 4, type: 'string' },
            domain: { id: 7, type: 'string' },
            attribute: { id: 5, rule: 'repeated', type: 'AttributeProto' },
            docString: { id: 6, type: 'string' },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { id: 1, type: 'int64' },
            opsetImport: { id: 8, rule: 'repeated', type: 'OperatorSetIdProto' },
            producerName: { id: 2, type: 'string' },
            producerVersion: { id: 3, type: 'string' },
            domain: { id: 4, type: 'string' },
            modelVersion: { id: 5, type: 'int64' },
            docString: { id: 6, type: 'string' },
            graph: { id: 7, type: 'GraphProto' },
            metadataProps: { id: 14, rule: 'repeated', type: 'StringStringEntryProto' },
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { id: 1, type: 'string' },
            value: { id: 2, type: 'string' },
          },
        },
        GraphProto: {
          fields: {
            node: { id: 1, rule: 'repeated', type: 'NodeProto' },
            name: { id: 2, type: 'string' },
            initializer: { id: 5, rule: 'repeated', type: 'TensorProto' },
            sparseInitializer: { id: 15, rule: 'repeated', type: 'bytes' },
            docString: { id: 10, type: 'string' },
            input: { id: 11, rule: 'repeated', type: 'ValueInfoProto' },
            output: { id: 12, rule: 'repeated', type: 'ValueInfoProto' },
            valueInfo: { id: 13, rule: 'repeated', type: 'ValueInfoProto' },
          },
        },
        TensorProto: {
          fields: {
            dims: { id: 1, rule: 'repeated', type: 'int64', options: { packed: true } },
            dataType: { id: 2, type: 'int32' },
            floatData: { id: 4, rule: 'repeated', type: 'float', options: { packed: true } },
            int32Data: { id: 5, rule: 'repeated', type: 'int32', options: { packed: true } },
            stringData: { id: 6, rule: 'repeated', type: 'bytes' },
            int64Data: { id: 7, rule: 'repeated', type: 'int64', options: { packed: true } },
            name: { id: 8, type: 'string' },
            docString: { id: 12, type: 'string' },
            rawData: { id: 9, type: 'bytes' },
            externalData: { id: 13, rule: 'repeated', type: 'StringStringEntryProto' },
            dataLocation: { id: 14, type: 'int32' },
            doubleData: { id: 10, rule: 'repeated', type: 'double', options: { packed: true } },
            uint64Data: { id: 11, rule: 'repeated', type: 'uint64', options: { packed: true } },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { id: 1, rule: 'repeated', type: 'Dimension' },
          },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: { id: 1, type: 'int64' },
                dimParam: { id: 2, type: 'string' },
                denotation: { id: 3, type: 'string' },
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType', 'sequenceType', 'mapType', 'optionalType', 'sparseTensorType'] } },
          fields: {
            tensorType: { id: 1, type: 'Tensor' },
            sequenceType: { id: 4, type: 'bytes' },
            mapType: { id: 5, type: 'bytes' },
            optionalType: { id: 9, type: 'bytes' },
            sparseTensorType: { id: 8, type: 'bytes' },
            denotation: { id: 6, type: 'string' },
          },
          nested: {
            Tensor: {
              fields: {
                elemType: { id: 1, type: 'int32' },
                shape: { id: 2, type: 'TensorShapeProto' },
              },
            },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { id: 1, type: 'string' },
            version: { id: 2, type: 'int64' },
          },
        },
      },
    },
  },
};
