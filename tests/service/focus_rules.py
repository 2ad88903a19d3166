"""FOCUS 1.2's column rules as data, read from the specification (FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, tag
v1.2, specification/columns/*.md: each column's feature level, whether it allows nulls, its data type and allowed
values; and the cross-column requirements of ConsumedQuantity, PricingQuantity and ChargeFrequency), and a validator
that checks a row against them. Written apart from orgmap's exporter, so a test holds the one to the other."""

from __future__ import annotations

import json
import math
import re
from typing import Any

# column -> (feature level, allows nulls, data type)
COLUMNS: dict[str, tuple[str, bool, str]] = {
    "AvailabilityZone": ("Recommended", True, "String"),
    "BilledCost": ("Mandatory", False, "Decimal"),
    "BillingAccountId": ("Mandatory", False, "String"),
    "BillingAccountName": ("Mandatory", True, "String"),
    "BillingAccountType": ("Conditional", False, "String"),
    "BillingCurrency": ("Mandatory", False, "Currency"),
    "BillingPeriodEnd": ("Mandatory", False, "DateTime"),
    "BillingPeriodStart": ("Mandatory", False, "DateTime"),
    "CapacityReservationId": ("Conditional", True, "String"),
    "CapacityReservationStatus": ("Conditional", True, "String"),
    "ChargeCategory": ("Mandatory", False, "String"),
    "ChargeClass": ("Mandatory", True, "String"),
    "ChargeDescription": ("Mandatory", True, "String"),
    "ChargeFrequency": ("Recommended", False, "String"),
    "ChargePeriodEnd": ("Mandatory", False, "DateTime"),
    "ChargePeriodStart": ("Mandatory", False, "DateTime"),
    "CommitmentDiscountCategory": ("Conditional", True, "String"),
    "CommitmentDiscountId": ("Conditional", True, "String"),
    "CommitmentDiscountName": ("Conditional", True, "String"),
    "CommitmentDiscountQuantity": ("Conditional", True, "Decimal"),
    "CommitmentDiscountStatus": ("Conditional", True, "String"),
    "CommitmentDiscountType": ("Conditional", True, "String"),
    "CommitmentDiscountUnit": ("Conditional", True, "String"),
    "ConsumedQuantity": ("Conditional", True, "Decimal"),
    "ConsumedUnit": ("Conditional", True, "String"),
    "ContractedCost": ("Mandatory", False, "Decimal"),
    "ContractedUnitPrice": ("Conditional", True, "Decimal"),
    "EffectiveCost": ("Mandatory", False, "Decimal"),
    "InvoiceId": ("Recommended", True, "String"),
    "InvoiceIssuerName": ("Mandatory", False, "String"),
    "ListCost": ("Mandatory", False, "Decimal"),
    "ListUnitPrice": ("Conditional", True, "Decimal"),
    "PricingCategory": ("Conditional", True, "String"),
    "PricingCurrency": ("Conditional", True, "Currency"),
    "PricingCurrencyContractedUnitPrice": ("Conditional", True, "Decimal"),
    "PricingCurrencyEffectiveCost": ("Conditional", True, "Decimal"),
    "PricingCurrencyListUnitPrice": ("Conditional", True, "Decimal"),
    "PricingQuantity": ("Mandatory", True, "Decimal"),
    "PricingUnit": ("Mandatory", True, "String"),
    "ProviderName": ("Mandatory", False, "String"),
    "PublisherName": ("Mandatory", False, "String"),
    "RegionId": ("Conditional", True, "String"),
    "RegionName": ("Conditional", True, "String"),
    "ResourceId": ("Conditional", True, "String"),
    "ResourceName": ("Conditional", True, "String"),
    "ResourceType": ("Conditional", True, "String"),
    "ServiceCategory": ("Mandatory", False, "String"),
    "ServiceName": ("Mandatory", False, "String"),
    "ServiceSubcategory": ("Recommended", False, "String"),
    "SkuId": ("Conditional", True, "String"),
    "SkuMeter": ("Conditional", True, "String"),
    "SkuPriceDetails": ("Conditional", True, "JSON"),
    "SkuPriceId": ("Conditional", True, "String"),
    "SubAccountId": ("Conditional", True, "String"),
    "SubAccountName": ("Conditional", True, "String"),
    "SubAccountType": ("Conditional", True, "String"),
    "Tags": ("Conditional", True, "JSON"),
}

ALLOWED: dict[str, set[str]] = {
    "ChargeCategory": {"Usage", "Purchase", "Tax", "Credit", "Adjustment"},
    "ChargeClass": {"Correction"},
    "ChargeFrequency": {"One-Time", "Recurring", "Usage-Based"},
    "PricingCategory": {"Standard", "Dynamic", "Committed", "Other"},
}
# ServiceCategory -> its allowed ServiceSubcategory values (each subcategory has exactly one parent)
SUBCATEGORIES: dict[str, set[str]] = {
    "AI and Machine Learning": {"AI Platforms", "Bots", "Generative AI", "Machine Learning",
                                "Natural Language Processing", "Other (AI and Machine Learning)"},
    "Analytics": {"Analytics Platforms", "Business Intelligence", "Data Processing", "Search", "Streaming Analytics",
                  "Other (Analytics)"},
    "Business Applications": {"Productivity and Collaboration", "Other (Business Applications)"},
    "Compute": {"Containers", "End User Computing", "Quantum Compute", "Serverless Compute", "Virtual Machines",
                "Other (Compute)"},
    "Databases": {"Caching", "Data Warehouses", "Ledger Databases", "NoSQL Databases", "Relational Databases",
                  "Time Series Databases", "Other (Databases)"},
    "Developer Tools": {"Developer Platforms", "Continuous Integration and Deployment", "Development Environments",
                        "Source Code Management", "Quality Assurance", "Other (Developer Tools)"},
    "Identity": {"Identity and Access Management", "Other (Identity)"},
    "Integration": {"API Management", "Messaging", "Workflow Orchestration", "Other (Integration)"},
    "Internet of Things": {"IoT Analytics", "IoT Platforms", "Other (Internet of Things)"},
    "Management and Governance": {"Architecture", "Compliance", "Cost Management", "Data Governance",
                                  "Disaster Recovery", "Endpoint Management", "Observability", "Support",
                                  "Other (Management and Governance)"},
    "Media": {"Content Creation", "Gaming", "Media Streaming", "Mixed Reality", "Other (Media)"},
    "Migration": {"Data Migration", "Resource Migration", "Other (Migration)"},
    "Mobile": {"Other (Mobile)"},
    "Multicloud": {"Multicloud Integration", "Other (Multicloud)"},
    "Networking": {"Application Networking", "Content Delivery", "Network Connectivity", "Network Infrastructure",
                   "Network Routing", "Network Security", "Other (Networking)"},
    "Security": {"Secret Management", "Security Posture Management", "Threat Detection and Response",
                 "Other (Security)"},
    "Storage": {"Backup Storage", "Block Storage", "File Storage", "Object Storage", "Storage Platforms",
                "Other (Storage)"},
    "Web": {"Application Platforms", "Other (Web)"},
    "Other": {"Other (Other)"},
}
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "Decimal":
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "DateTime":
        return isinstance(value, str) and bool(_DATETIME.match(value))
    if kind == "Currency":
        return isinstance(value, str) and bool(_CURRENCY.match(value))
    if kind == "JSON":
        return isinstance(value, dict) and all(isinstance(k, str) for k in value)
    return isinstance(value, str) and value != ""


def violations(row: dict[str, Any]) -> list[str]:
    """Every FOCUS 1.2 rule `row` breaks (empty: a valid row)."""
    found = [f"{c}: mandatory column missing" for c, (level, _, _) in COLUMNS.items()
             if level == "Mandatory" and c not in row]
    found += [f"{c}: not a FOCUS column and not a custom x_ column" for c in row
              if c not in COLUMNS and not c.startswith("x_")]
    for column, value in row.items():
        if column not in COLUMNS:
            continue
        _, nulls, kind = COLUMNS[column]
        if value is None:
            if not nulls:
                found.append(f"{column}: null not allowed")
            continue
        if not _type_ok(value, kind):
            found.append(f"{column}: {value!r} is not a {kind}")
        if column in ALLOWED and value not in ALLOWED[column]:
            found.append(f"{column}: {value!r} is not an allowed value")
    category, sub = row.get("ServiceCategory"), row.get("ServiceSubcategory")
    if category not in SUBCATEGORIES:
        found.append(f"ServiceCategory: {category!r} is not an allowed value")
    elif sub is not None and sub not in SUBCATEGORIES[category]:
        found.append(f"ServiceSubcategory: {sub!r} is not a subcategory of {category!r}")
    usage, correction = row.get("ChargeCategory") == "Usage", row.get("ChargeClass") == "Correction"
    if not usage and row.get("ConsumedQuantity") is not None:
        found.append("ConsumedQuantity: must be null when ChargeCategory is not Usage")
    if usage and not correction and row.get("ConsumedQuantity") is None:
        found.append("ConsumedQuantity: must not be null for a Usage charge")
    if row.get("ChargeCategory") == "Tax" and row.get("PricingQuantity") is not None:
        found.append("PricingQuantity: must be null for Tax")
    if row.get("ChargeCategory") in ("Usage", "Purchase") and not correction and row.get("PricingQuantity") is None:
        found.append("PricingQuantity: must not be null for a Usage or Purchase charge")
    if row.get("ChargeCategory") == "Purchase" and row.get("ChargeFrequency") == "Usage-Based":
        found.append("ChargeFrequency: must not be Usage-Based for a Purchase")
    start, end = row.get("ChargePeriodStart"), row.get("ChargePeriodEnd")
    if isinstance(start, str) and isinstance(end, str) and not start < end:
        found.append("ChargePeriodEnd: not after ChargePeriodStart")
    bstart, bend = row.get("BillingPeriodStart"), row.get("BillingPeriodEnd")
    if isinstance(bstart, str) and isinstance(start, str) and isinstance(bend, str) and not bstart <= start < bend:
        found.append("ChargePeriodStart: outside the billing period")
    return found


def from_csv(record: dict[str, str]) -> dict[str, Any]:
    """A FOCUS CSV record as typed values: empty cells are null, decimal columns numbers, JSON columns objects."""
    row: dict[str, Any] = {}
    for column, text in record.items():
        kind = COLUMNS.get(column, (None, None, "String"))[2]
        if text == "":
            row[column] = None
        elif kind == "Decimal":
            row[column] = float(text)
        elif kind == "JSON":
            row[column] = json.loads(text)
        else:
            row[column] = text
    return row
