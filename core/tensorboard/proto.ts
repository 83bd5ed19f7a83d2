import protobuf from 'protobufjs';

/**
 * The subset of TensorFlow's event.proto / summary.proto / tensor.proto and TensorBoard's hparams
 * plugin protos (api.proto, plugin_data.proto) that event files need, with the upstream field
 * numbers. Defined in code so nothing is read or fetched at run time.
 */
const descriptor = {
  nested: {
    tensorboard: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['file_version', 'summary'] } },
          fields: {
            wall_time: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            file_version: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Image: {
              fields: {
                height: { type: 'int32', id: 1 },
                width: { type: 'int32', id: 2 },
                colorspace: { type: 'int32', id: 3 },
                encoded_image_string: { type: 'bytes', id: 4 },
              },
            },
            Value: {
              oneofs: { value: { oneof: ['simple_value', 'image', 'tensor'] } },
              fields: {
                tag: { type: 'string', id: 1 },
                simple_value: { type: 'float', id: 2 },
                image: { type: 'Image', id: 4 },
                tensor: { type: 'TensorProto', id: 8 },
                metadata: { type: 'SummaryMetadata', id: 9 },
              },
            },
          },
        },
        SummaryMetadata: {
          fields: {
            plugin_data: { type: 'PluginData', id: 1 },
            display_name: { type: 'string', id: 2 },
            summary_description: { type: 'string', id: 3 },
            data_class: { type: 'DataClass', id: 4 },
          },
          nested: {
            PluginData: { fields: { plugin_name: { type: 'string', id: 1 }, content: { type: 'bytes', id: 2 } } },
          },
        },
        DataClass: { values: { DATA_CLASS_UNKNOWN: 0, DATA_CLASS_SCALAR: 1, DATA_CLASS_TENSOR: 2, DATA_CLASS_BLOB_SEQUENCE: 3 } },
        TensorProto: {
          fields: {
            dtype: { type: 'DataType', id: 1 },
            tensor_shape: { type: 'TensorShapeProto', id: 2 },
            float_val: { rule: 'repeated', type: 'float', id: 5, options: { packed: true } },
            string_val: { rule: 'repeated', type: 'bytes', id: 8 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dim', id: 2 } },
          nested: { Dim: { fields: { size: { type: 'int64', id: 1 }, name: { type: 'string', id: 2 } } } },
        },
        DataType: { values: { DT_INVALID: 0, DT_FLOAT: 1, DT_STRING: 7 } },
      },
    },
    hparams: {
      nested: {
        HParamsPluginData: {
          oneofs: { data: { oneof: ['experiment', 'session_start_info', 'session_end_info'] } },
          fields: {
            version: { type: 'int32', id: 1 },
            experiment: { type: 'Experiment', id: 2 },
            session_start_info: { type: 'SessionStartInfo', id: 3 },
            session_end_info: { type: 'SessionEndInfo', id: 4 },
          },
        },
        Experiment: {
          fields: {
            description: { type: 'string', id: 1 },
            user: { type: 'string', id: 2 },
            time_created_secs: { type: 'double', id: 3 },
            hparam_infos: { rule: 'repeated', type: 'HParamInfo', id: 4 },
            metric_infos: { rule: 'repeated', type: 'MetricInfo', id: 5 },
            name: { type: 'string', id: 6 },
          },
        },
        HParamInfo: {
          oneofs: { domain: { oneof: ['domain_interval', 'domain_discrete'] } },
          fields: {
            name: { type: 'string', id: 1 },
            display_name: { type: 'string', id: 2 },
            description: { type: 'string', id: 3 },
            type: { type: 'HParamType', id: 4 },
            domain_interval: { type: 'Interval', id: 5 },
            domain_discrete: { type: 'ListValue', id: 6 },
          },
        },
        HParamType: { values: { DATA_TYPE_UNSET: 0, DATA_TYPE_STRING: 1, DATA_TYPE_BOOL: 2, DATA_TYPE_FLOAT64: 3 } },
        Interval: { fields: { min_value: { type: 'double', id: 1 }, max_value: { type: 'double', id: 2 } } },
        MetricInfo: {
          fields: {
            name: { type: 'MetricName', id: 1 },
            display_name: { type: 'string', id: 3 },
            description: { type: 'string', id: 4 },
            dataset_type: { type: 'DatasetType', id: 5 },
          },
        },
        MetricName: { fields: { group: { type: 'string', id: 1 }, tag: { type: 'string', id: 2 } } },
        DatasetType: { values: { DATASET_UNKNOWN: 0, DATASET_TRAINING: 1, DATASET_VALIDATION: 2 } },
        SessionStartInfo: {
          fields: {
            hparams: { keyType: 'string', type: 'Value', id: 1 },
            model_uri: { type: 'string', id: 2 },
            monitor_url: { type: 'string', id: 3 },
            group_name: { type: 'string', id: 4 },
            start_time_secs: { type: 'double', id: 5 },
          },
        },
        SessionEndInfo: { fields: { status: { type: 'Status', id: 1 }, end_time_secs: { type: 'double', id: 2 } } },
        Status: { values: { STATUS_UNKNOWN: 0, STATUS_SUCCESS: 1, STATUS_FAILURE: 2, STATUS_RUNNING: 3 } },
        // google.protobuf.Value / ListValue (struct.proto), same wire format.
        Value: {
          oneofs: { kind: { oneof: ['null_value', 'number_value', 'string_value', 'bool_value', 'list_value'] } },
          fields: {
            null_value: { type: 'int32', id: 1 },
            number_value: { type: 'double', id: 2 },
            string_value: { type: 'string', id: 3 },
            bool_value: { type: 'bool', id: 4 },
            list_value: { type: 'ListValue', id: 6 },
          },
        },
        ListValue: { fields: { values: { rule: 'repeated', type: 'Value', id: 1 } } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

export const EventType = root.lookupType('tensorboard.Event');
export const HParamsPluginDataType = root.lookupType('hparams.HParamsPluginData');

export function encodeEvent(event: Record<string, unknown>): Uint8Array {
  return EventType.encode(EventType.fromObject(event)).finish();
}

export function encodeHParamsPluginData(data: Record<string, unknown>): Uint8Array {
  return HParamsPluginDataType.encode(HParamsPluginDataType.fromObject(data)).finish();
}
