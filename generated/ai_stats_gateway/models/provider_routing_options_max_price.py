from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProviderRoutingOptionsMaxPrice")


@_attrs_define
class ProviderRoutingOptionsMaxPrice:
    """
    Attributes:
        prompt (float | str | Unset):
        completion (float | str | Unset):
        image (float | str | Unset):
        audio (float | str | Unset):
        request (float | str | Unset):
    """

    prompt: float | str | Unset = UNSET
    completion: float | str | Unset = UNSET
    image: float | str | Unset = UNSET
    audio: float | str | Unset = UNSET
    request: float | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prompt: float | str | Unset
        if isinstance(self.prompt, Unset):
            prompt = UNSET
        else:
            prompt = self.prompt

        completion: float | str | Unset
        if isinstance(self.completion, Unset):
            completion = UNSET
        else:
            completion = self.completion

        image: float | str | Unset
        if isinstance(self.image, Unset):
            image = UNSET
        else:
            image = self.image

        audio: float | str | Unset
        if isinstance(self.audio, Unset):
            audio = UNSET
        else:
            audio = self.audio

        request: float | str | Unset
        if isinstance(self.request, Unset):
            request = UNSET
        else:
            request = self.request

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if completion is not UNSET:
            field_dict["completion"] = completion
        if image is not UNSET:
            field_dict["image"] = image
        if audio is not UNSET:
            field_dict["audio"] = audio
        if request is not UNSET:
            field_dict["request"] = request

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_prompt(data: object) -> float | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(float | str | Unset, data)

        prompt = _parse_prompt(d.pop("prompt", UNSET))

        def _parse_completion(data: object) -> float | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(float | str | Unset, data)

        completion = _parse_completion(d.pop("completion", UNSET))

        def _parse_image(data: object) -> float | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(float | str | Unset, data)

        image = _parse_image(d.pop("image", UNSET))

        def _parse_audio(data: object) -> float | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(float | str | Unset, data)

        audio = _parse_audio(d.pop("audio", UNSET))

        def _parse_request(data: object) -> float | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(float | str | Unset, data)

        request = _parse_request(d.pop("request", UNSET))

        provider_routing_options_max_price = cls(
            prompt=prompt,
            completion=completion,
            image=image,
            audio=audio,
            request=request,
        )

        provider_routing_options_max_price.additional_properties = d
        return provider_routing_options_max_price

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
