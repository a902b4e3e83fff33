from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.music_generate_request_elevenlabs_composition_plan import (
        MusicGenerateRequestElevenlabsCompositionPlan,
    )


T = TypeVar("T", bound="MusicGenerateRequestElevenlabs")


@_attrs_define
class MusicGenerateRequestElevenlabs:
    """
    Attributes:
        prompt (str | Unset):
        composition_plan (MusicGenerateRequestElevenlabsCompositionPlan | Unset):
        music_length_ms (int | Unset):
        model_id (str | Unset):
        force_instrumental (bool | Unset):
        store_for_inpainting (bool | Unset):
        with_timestamps (bool | Unset):
        sign_with_c2pa (bool | Unset):
        output_format (str | Unset):
    """

    prompt: str | Unset = UNSET
    composition_plan: MusicGenerateRequestElevenlabsCompositionPlan | Unset = UNSET
    music_length_ms: int | Unset = UNSET
    model_id: str | Unset = UNSET
    force_instrumental: bool | Unset = UNSET
    store_for_inpainting: bool | Unset = UNSET
    with_timestamps: bool | Unset = UNSET
    sign_with_c2pa: bool | Unset = UNSET
    output_format: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prompt = self.prompt

        composition_plan: dict[str, Any] | Unset = UNSET
        if not isinstance(self.composition_plan, Unset):
            composition_plan = self.composition_plan.to_dict()

        music_length_ms = self.music_length_ms

        model_id = self.model_id

        force_instrumental = self.force_instrumental

        store_for_inpainting = self.store_for_inpainting

        with_timestamps = self.with_timestamps

        sign_with_c2pa = self.sign_with_c2pa

        output_format = self.output_format

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if composition_plan is not UNSET:
            field_dict["composition_plan"] = composition_plan
        if music_length_ms is not UNSET:
            field_dict["music_length_ms"] = music_length_ms
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if force_instrumental is not UNSET:
            field_dict["force_instrumental"] = force_instrumental
        if store_for_inpainting is not UNSET:
            field_dict["store_for_inpainting"] = store_for_inpainting
        if with_timestamps is not UNSET:
            field_dict["with_timestamps"] = with_timestamps
        if sign_with_c2pa is not UNSET:
            field_dict["sign_with_c2pa"] = sign_with_c2pa
        if output_format is not UNSET:
            field_dict["output_format"] = output_format

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.music_generate_request_elevenlabs_composition_plan import (
            MusicGenerateRequestElevenlabsCompositionPlan,
        )

        d = dict(src_dict)
        prompt = d.pop("prompt", UNSET)

        _composition_plan = d.pop("composition_plan", UNSET)
        composition_plan: MusicGenerateRequestElevenlabsCompositionPlan | Unset
        if isinstance(_composition_plan, Unset):
            composition_plan = UNSET
        else:
            composition_plan = MusicGenerateRequestElevenlabsCompositionPlan.from_dict(
                _composition_plan
            )

        music_length_ms = d.pop("music_length_ms", UNSET)

        model_id = d.pop("model_id", UNSET)

        force_instrumental = d.pop("force_instrumental", UNSET)

        store_for_inpainting = d.pop("store_for_inpainting", UNSET)

        with_timestamps = d.pop("with_timestamps", UNSET)

        sign_with_c2pa = d.pop("sign_with_c2pa", UNSET)

        output_format = d.pop("output_format", UNSET)

        music_generate_request_elevenlabs = cls(
            prompt=prompt,
            composition_plan=composition_plan,
            music_length_ms=music_length_ms,
            model_id=model_id,
            force_instrumental=force_instrumental,
            store_for_inpainting=store_for_inpainting,
            with_timestamps=with_timestamps,
            sign_with_c2pa=sign_with_c2pa,
            output_format=output_format,
        )

        music_generate_request_elevenlabs.additional_properties = d
        return music_generate_request_elevenlabs

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
