from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.provider_max_price import ProviderMaxPrice


T = TypeVar("T", bound="ProviderRoutingOptions")


@_attrs_define
class ProviderRoutingOptions:
    """Routing preferences across the providers behind the gateway.

    Attributes:
        order (list[str] | Unset): Provider ids to try, in order.
        only (list[str] | Unset): Provider ids allowed to serve the request.
        ignore (list[str] | Unset): Provider ids never to use.
        include_alpha (bool | Unset):
        allow_fallbacks (bool | Unset):
        require_parameters (bool | Unset):
        require_zero_data_retention (bool | Unset):
        zdr (bool | Unset):
        enforce_distillable_text (bool | Unset):
        required_execution_region (str | Unset):
        required_data_region (str | Unset):
        sort (str | Unset):
        quantizations (list[str] | Unset):
        max_price (ProviderMaxPrice | Unset): Highest price to pay, per unit.
        preferred_min_throughput (float | Unset):
        preferred_max_latency (float | Unset):
    """

    order: list[str] | Unset = UNSET
    only: list[str] | Unset = UNSET
    ignore: list[str] | Unset = UNSET
    include_alpha: bool | Unset = UNSET
    allow_fallbacks: bool | Unset = UNSET
    require_parameters: bool | Unset = UNSET
    require_zero_data_retention: bool | Unset = UNSET
    zdr: bool | Unset = UNSET
    enforce_distillable_text: bool | Unset = UNSET
    required_execution_region: str | Unset = UNSET
    required_data_region: str | Unset = UNSET
    sort: str | Unset = UNSET
    quantizations: list[str] | Unset = UNSET
    max_price: ProviderMaxPrice | Unset = UNSET
    preferred_min_throughput: float | Unset = UNSET
    preferred_max_latency: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        order: list[str] | Unset = UNSET
        if not isinstance(self.order, Unset):
            order = self.order

        only: list[str] | Unset = UNSET
        if not isinstance(self.only, Unset):
            only = self.only

        ignore: list[str] | Unset = UNSET
        if not isinstance(self.ignore, Unset):
            ignore = self.ignore

        include_alpha = self.include_alpha

        allow_fallbacks = self.allow_fallbacks

        require_parameters = self.require_parameters

        require_zero_data_retention = self.require_zero_data_retention

        zdr = self.zdr

        enforce_distillable_text = self.enforce_distillable_text

        required_execution_region = self.required_execution_region

        required_data_region = self.required_data_region

        sort = self.sort

        quantizations: list[str] | Unset = UNSET
        if not isinstance(self.quantizations, Unset):
            quantizations = self.quantizations

        max_price: dict[str, Any] | Unset = UNSET
        if not isinstance(self.max_price, Unset):
            max_price = self.max_price.to_dict()

        preferred_min_throughput = self.preferred_min_throughput

        preferred_max_latency = self.preferred_max_latency

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if order is not UNSET:
            field_dict["order"] = order
        if only is not UNSET:
            field_dict["only"] = only
        if ignore is not UNSET:
            field_dict["ignore"] = ignore
        if include_alpha is not UNSET:
            field_dict["include_alpha"] = include_alpha
        if allow_fallbacks is not UNSET:
            field_dict["allow_fallbacks"] = allow_fallbacks
        if require_parameters is not UNSET:
            field_dict["require_parameters"] = require_parameters
        if require_zero_data_retention is not UNSET:
            field_dict["require_zero_data_retention"] = require_zero_data_retention
        if zdr is not UNSET:
            field_dict["zdr"] = zdr
        if enforce_distillable_text is not UNSET:
            field_dict["enforce_distillable_text"] = enforce_distillable_text
        if required_execution_region is not UNSET:
            field_dict["required_execution_region"] = required_execution_region
        if required_data_region is not UNSET:
            field_dict["required_data_region"] = required_data_region
        if sort is not UNSET:
            field_dict["sort"] = sort
        if quantizations is not UNSET:
            field_dict["quantizations"] = quantizations
        if max_price is not UNSET:
            field_dict["max_price"] = max_price
        if preferred_min_throughput is not UNSET:
            field_dict["preferred_min_throughput"] = preferred_min_throughput
        if preferred_max_latency is not UNSET:
            field_dict["preferred_max_latency"] = preferred_max_latency

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.provider_max_price import ProviderMaxPrice

        d = dict(src_dict)
        order = cast(list[str], d.pop("order", UNSET))

        only = cast(list[str], d.pop("only", UNSET))

        ignore = cast(list[str], d.pop("ignore", UNSET))

        include_alpha = d.pop("include_alpha", UNSET)

        allow_fallbacks = d.pop("allow_fallbacks", UNSET)

        require_parameters = d.pop("require_parameters", UNSET)

        require_zero_data_retention = d.pop("require_zero_data_retention", UNSET)

        zdr = d.pop("zdr", UNSET)

        enforce_distillable_text = d.pop("enforce_distillable_text", UNSET)

        required_execution_region = d.pop("required_execution_region", UNSET)

        required_data_region = d.pop("required_data_region", UNSET)

        sort = d.pop("sort", UNSET)

        quantizations = cast(list[str], d.pop("quantizations", UNSET))

        _max_price = d.pop("max_price", UNSET)
        max_price: ProviderMaxPrice | Unset
        if isinstance(_max_price, Unset):
            max_price = UNSET
        else:
            max_price = ProviderMaxPrice.from_dict(_max_price)

        preferred_min_throughput = d.pop("preferred_min_throughput", UNSET)

        preferred_max_latency = d.pop("preferred_max_latency", UNSET)

        provider_routing_options = cls(
            order=order,
            only=only,
            ignore=ignore,
            include_alpha=include_alpha,
            allow_fallbacks=allow_fallbacks,
            require_parameters=require_parameters,
            require_zero_data_retention=require_zero_data_retention,
            zdr=zdr,
            enforce_distillable_text=enforce_distillable_text,
            required_execution_region=required_execution_region,
            required_data_region=required_data_region,
            sort=sort,
            quantizations=quantizations,
            max_price=max_price,
            preferred_min_throughput=preferred_min_throughput,
            preferred_max_latency=preferred_max_latency,
        )

        provider_routing_options.additional_properties = d
        return provider_routing_options

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
