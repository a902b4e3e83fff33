from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.provider_routing_options_data_collection import (
    ProviderRoutingOptionsDataCollection,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.provider_routing_options_max_price import (
        ProviderRoutingOptionsMaxPrice,
    )
    from ..models.provider_routing_options_preferred_max_latency_type_1 import (
        ProviderRoutingOptionsPreferredMaxLatencyType1,
    )
    from ..models.provider_routing_options_preferred_min_throughput_type_1 import (
        ProviderRoutingOptionsPreferredMinThroughputType1,
    )
    from ..models.provider_routing_options_sort_type_1 import (
        ProviderRoutingOptionsSortType1,
    )


T = TypeVar("T", bound="ProviderRoutingOptions")


@_attrs_define
class ProviderRoutingOptions:
    """Provider routing preferences for gateway selection.

    Attributes:
        order (list[str] | Unset):
        only (list[str] | Unset):
        ignore (list[str] | Unset):
        include_alpha (bool | Unset): Include alpha providers in routing (off by default).
        allow_fallbacks (bool | None | Unset): Allow fallback to another eligible provider after failure.
        require_parameters (bool | None | Unset): Require provider support for requested parameters before routing.
        required_execution_region (None | str | Unset): Restrict routing to providers with the requested execution
            region.
        required_data_region (None | str | Unset): Restrict routing to providers with the requested data region.
        require_zero_data_retention (bool | None | Unset): Restrict routing to providers that support zero data
            retention.
        data_collection (ProviderRoutingOptionsDataCollection | Unset):
        zdr (bool | None | Unset):
        enforce_distillable_text (bool | None | Unset):
        quantizations (list[str] | None | Unset):
        sort (ProviderRoutingOptionsSortType1 | str | Unset): Rank providers for this request, for example by price,
            latency, or throughput.
        max_price (ProviderRoutingOptionsMaxPrice | Unset):
        preferred_min_throughput (float | ProviderRoutingOptionsPreferredMinThroughputType1 | Unset):
        preferred_max_latency (float | ProviderRoutingOptionsPreferredMaxLatencyType1 | Unset):
    """

    order: list[str] | Unset = UNSET
    only: list[str] | Unset = UNSET
    ignore: list[str] | Unset = UNSET
    include_alpha: bool | Unset = UNSET
    allow_fallbacks: bool | None | Unset = UNSET
    require_parameters: bool | None | Unset = UNSET
    required_execution_region: None | str | Unset = UNSET
    required_data_region: None | str | Unset = UNSET
    require_zero_data_retention: bool | None | Unset = UNSET
    data_collection: ProviderRoutingOptionsDataCollection | Unset = UNSET
    zdr: bool | None | Unset = UNSET
    enforce_distillable_text: bool | None | Unset = UNSET
    quantizations: list[str] | None | Unset = UNSET
    sort: ProviderRoutingOptionsSortType1 | str | Unset = UNSET
    max_price: ProviderRoutingOptionsMaxPrice | Unset = UNSET
    preferred_min_throughput: (
        float | ProviderRoutingOptionsPreferredMinThroughputType1 | Unset
    ) = UNSET
    preferred_max_latency: (
        float | ProviderRoutingOptionsPreferredMaxLatencyType1 | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.provider_routing_options_preferred_max_latency_type_1 import (
            ProviderRoutingOptionsPreferredMaxLatencyType1,
        )
        from ..models.provider_routing_options_preferred_min_throughput_type_1 import (
            ProviderRoutingOptionsPreferredMinThroughputType1,
        )
        from ..models.provider_routing_options_sort_type_1 import (
            ProviderRoutingOptionsSortType1,
        )

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

        allow_fallbacks: bool | None | Unset
        if isinstance(self.allow_fallbacks, Unset):
            allow_fallbacks = UNSET
        else:
            allow_fallbacks = self.allow_fallbacks

        require_parameters: bool | None | Unset
        if isinstance(self.require_parameters, Unset):
            require_parameters = UNSET
        else:
            require_parameters = self.require_parameters

        required_execution_region: None | str | Unset
        if isinstance(self.required_execution_region, Unset):
            required_execution_region = UNSET
        else:
            required_execution_region = self.required_execution_region

        required_data_region: None | str | Unset
        if isinstance(self.required_data_region, Unset):
            required_data_region = UNSET
        else:
            required_data_region = self.required_data_region

        require_zero_data_retention: bool | None | Unset
        if isinstance(self.require_zero_data_retention, Unset):
            require_zero_data_retention = UNSET
        else:
            require_zero_data_retention = self.require_zero_data_retention

        data_collection: str | Unset = UNSET
        if not isinstance(self.data_collection, Unset):
            data_collection = self.data_collection.value

        zdr: bool | None | Unset
        if isinstance(self.zdr, Unset):
            zdr = UNSET
        else:
            zdr = self.zdr

        enforce_distillable_text: bool | None | Unset
        if isinstance(self.enforce_distillable_text, Unset):
            enforce_distillable_text = UNSET
        else:
            enforce_distillable_text = self.enforce_distillable_text

        quantizations: list[str] | None | Unset
        if isinstance(self.quantizations, Unset):
            quantizations = UNSET
        elif isinstance(self.quantizations, list):
            quantizations = self.quantizations

        else:
            quantizations = self.quantizations

        sort: dict[str, Any] | str | Unset
        if isinstance(self.sort, Unset):
            sort = UNSET
        elif isinstance(self.sort, ProviderRoutingOptionsSortType1):
            sort = self.sort.to_dict()
        else:
            sort = self.sort

        max_price: dict[str, Any] | Unset = UNSET
        if not isinstance(self.max_price, Unset):
            max_price = self.max_price.to_dict()

        preferred_min_throughput: dict[str, Any] | float | Unset
        if isinstance(self.preferred_min_throughput, Unset):
            preferred_min_throughput = UNSET
        elif isinstance(
            self.preferred_min_throughput,
            ProviderRoutingOptionsPreferredMinThroughputType1,
        ):
            preferred_min_throughput = self.preferred_min_throughput.to_dict()
        else:
            preferred_min_throughput = self.preferred_min_throughput

        preferred_max_latency: dict[str, Any] | float | Unset
        if isinstance(self.preferred_max_latency, Unset):
            preferred_max_latency = UNSET
        elif isinstance(
            self.preferred_max_latency, ProviderRoutingOptionsPreferredMaxLatencyType1
        ):
            preferred_max_latency = self.preferred_max_latency.to_dict()
        else:
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
        if required_execution_region is not UNSET:
            field_dict["required_execution_region"] = required_execution_region
        if required_data_region is not UNSET:
            field_dict["required_data_region"] = required_data_region
        if require_zero_data_retention is not UNSET:
            field_dict["require_zero_data_retention"] = require_zero_data_retention
        if data_collection is not UNSET:
            field_dict["data_collection"] = data_collection
        if zdr is not UNSET:
            field_dict["zdr"] = zdr
        if enforce_distillable_text is not UNSET:
            field_dict["enforce_distillable_text"] = enforce_distillable_text
        if quantizations is not UNSET:
            field_dict["quantizations"] = quantizations
        if sort is not UNSET:
            field_dict["sort"] = sort
        if max_price is not UNSET:
            field_dict["max_price"] = max_price
        if preferred_min_throughput is not UNSET:
            field_dict["preferred_min_throughput"] = preferred_min_throughput
        if preferred_max_latency is not UNSET:
            field_dict["preferred_max_latency"] = preferred_max_latency

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.provider_routing_options_max_price import (
            ProviderRoutingOptionsMaxPrice,
        )
        from ..models.provider_routing_options_preferred_max_latency_type_1 import (
            ProviderRoutingOptionsPreferredMaxLatencyType1,
        )
        from ..models.provider_routing_options_preferred_min_throughput_type_1 import (
            ProviderRoutingOptionsPreferredMinThroughputType1,
        )
        from ..models.provider_routing_options_sort_type_1 import (
            ProviderRoutingOptionsSortType1,
        )

        d = dict(src_dict)
        order = cast(list[str], d.pop("order", UNSET))

        only = cast(list[str], d.pop("only", UNSET))

        ignore = cast(list[str], d.pop("ignore", UNSET))

        include_alpha = d.pop("include_alpha", UNSET)

        def _parse_allow_fallbacks(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        allow_fallbacks = _parse_allow_fallbacks(d.pop("allow_fallbacks", UNSET))

        def _parse_require_parameters(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        require_parameters = _parse_require_parameters(
            d.pop("require_parameters", UNSET)
        )

        def _parse_required_execution_region(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        required_execution_region = _parse_required_execution_region(
            d.pop("required_execution_region", UNSET)
        )

        def _parse_required_data_region(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        required_data_region = _parse_required_data_region(
            d.pop("required_data_region", UNSET)
        )

        def _parse_require_zero_data_retention(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        require_zero_data_retention = _parse_require_zero_data_retention(
            d.pop("require_zero_data_retention", UNSET)
        )

        _data_collection = d.pop("data_collection", UNSET)
        data_collection: ProviderRoutingOptionsDataCollection | Unset
        if isinstance(_data_collection, Unset):
            data_collection = UNSET
        else:
            data_collection = ProviderRoutingOptionsDataCollection(_data_collection)

        def _parse_zdr(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        zdr = _parse_zdr(d.pop("zdr", UNSET))

        def _parse_enforce_distillable_text(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        enforce_distillable_text = _parse_enforce_distillable_text(
            d.pop("enforce_distillable_text", UNSET)
        )

        def _parse_quantizations(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                quantizations_type_0 = cast(list[str], data)

                return quantizations_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        quantizations = _parse_quantizations(d.pop("quantizations", UNSET))

        def _parse_sort(data: object) -> ProviderRoutingOptionsSortType1 | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sort_type_1 = ProviderRoutingOptionsSortType1.from_dict(data)

                return sort_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ProviderRoutingOptionsSortType1 | str | Unset, data)

        sort = _parse_sort(d.pop("sort", UNSET))

        _max_price = d.pop("max_price", UNSET)
        max_price: ProviderRoutingOptionsMaxPrice | Unset
        if isinstance(_max_price, Unset):
            max_price = UNSET
        else:
            max_price = ProviderRoutingOptionsMaxPrice.from_dict(_max_price)

        def _parse_preferred_min_throughput(
            data: object,
        ) -> float | ProviderRoutingOptionsPreferredMinThroughputType1 | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                preferred_min_throughput_type_1 = (
                    ProviderRoutingOptionsPreferredMinThroughputType1.from_dict(data)
                )

                return preferred_min_throughput_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                float | ProviderRoutingOptionsPreferredMinThroughputType1 | Unset, data
            )

        preferred_min_throughput = _parse_preferred_min_throughput(
            d.pop("preferred_min_throughput", UNSET)
        )

        def _parse_preferred_max_latency(
            data: object,
        ) -> float | ProviderRoutingOptionsPreferredMaxLatencyType1 | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                preferred_max_latency_type_1 = (
                    ProviderRoutingOptionsPreferredMaxLatencyType1.from_dict(data)
                )

                return preferred_max_latency_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                float | ProviderRoutingOptionsPreferredMaxLatencyType1 | Unset, data
            )

        preferred_max_latency = _parse_preferred_max_latency(
            d.pop("preferred_max_latency", UNSET)
        )

        provider_routing_options = cls(
            order=order,
            only=only,
            ignore=ignore,
            include_alpha=include_alpha,
            allow_fallbacks=allow_fallbacks,
            require_parameters=require_parameters,
            required_execution_region=required_execution_region,
            required_data_region=required_data_region,
            require_zero_data_retention=require_zero_data_retention,
            data_collection=data_collection,
            zdr=zdr,
            enforce_distillable_text=enforce_distillable_text,
            quantizations=quantizations,
            sort=sort,
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
