"""google.rpc error details of a failed call.

The server sends a google.rpc.Status in the ``grpc-status-details-bin``
trailer of every error, with an ErrorInfo (domain "suppliers.v1", a reason
such as INVALID_FIELD or VENDOR_NOT_FOUND) and, for bad input, a BadRequest
naming the field:

    try:
        client.vendors.CreateVendor(request)
    except grpc.RpcError as e:
        details = error_details(e)
        details.code                          # grpc.StatusCode.INVALID_ARGUMENT
        details.error_info.reason             # "INVALID_FIELD"
        [v.field for v in details.bad_request.field_violations]
"""

from dataclasses import dataclass, field
from typing import List, Optional

import grpc

from suppliers_client._proto import error_details_pb2, status_pb2

STATUS_DETAILS_KEY = "grpc-status-details-bin"

# The detail types of google/rpc/error_details.proto, by attribute name.
_DETAIL_TYPES = {
    "error_info": error_details_pb2.ErrorInfo,
    "bad_request": error_details_pb2.BadRequest,
    "retry_info": error_details_pb2.RetryInfo,
    "debug_info": error_details_pb2.DebugInfo,
    "quota_failure": error_details_pb2.QuotaFailure,
    "precondition_failure": error_details_pb2.PreconditionFailure,
    "request_info": error_details_pb2.RequestInfo,
    "resource_info": error_details_pb2.ResourceInfo,
    "help": error_details_pb2.Help,
    "localized_message": error_details_pb2.LocalizedMessage,
}


@dataclass
class ErrorDetails:
    """What a failed call said. Absent details are None."""
    code: grpc.StatusCode
    message: str
    status: Optional[status_pb2.Status] = None
    error_info: Optional[error_details_pb2.ErrorInfo] = None
    bad_request: Optional[error_details_pb2.BadRequest] = None
    retry_info: Optional[error_details_pb2.RetryInfo] = None
    debug_info: Optional[error_details_pb2.DebugInfo] = None
    quota_failure: Optional[error_details_pb2.QuotaFailure] = None
    precondition_failure: Optional[error_details_pb2.PreconditionFailure] = None
    request_info: Optional[error_details_pb2.RequestInfo] = None
    resource_info: Optional[error_details_pb2.ResourceInfo] = None
    help: Optional[error_details_pb2.Help] = None
    localized_message: Optional[error_details_pb2.LocalizedMessage] = None
    # Any details of types not listed above, still packed.
    unknown: List = field(default_factory=list)

    @property
    def reason(self):
        """ErrorInfo.reason, or "" without an ErrorInfo."""
        return self.error_info.reason if self.error_info else ""

    @property
    def fields(self):
        """The fields BadRequest names, in order ([] without one)."""
        if not self.bad_request:
            return []
        return [v.field for v in self.bad_request.field_violations]


def status_from_call(call):
    """The google.rpc.Status of a finished call's trailers, or None."""
    for key, value in call.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY:
            status = status_pb2.Status()
            status.ParseFromString(value)
            return status
    return None


def error_details(rpc_error):
    """Decodes a grpc.RpcError (from a unary call or a stream) into ErrorDetails.

    Raises ValueError when the trailer's code disagrees with the call's code
    (as grpcio-status's ``from_call`` does).
    """
    code = rpc_error.code()
    message = rpc_error.details() or ""
    status = status_from_call(rpc_error)
    details = ErrorDetails(code=code, message=message, status=status)
    if status is None:
        return details
    if status.code != code.value[0]:
        raise ValueError(
            f"grpc-status-details-bin has code {status.code}, the call {code}")
    for any_ in status.details:
        for name, message_type in _DETAIL_TYPES.items():
            if any_.Is(message_type.DESCRIPTOR):
                if getattr(details, name) is None:  # the first of each kind
                    value = message_type()
                    any_.Unpack(value)
                    setattr(details, name, value)
                break
        else:
            details.unknown.append(any_)
    return details
