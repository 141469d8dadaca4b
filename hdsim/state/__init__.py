"""The county's state: places, tables, firms, services, census, flows and policy effects.

Data only: the mechanisms (``hdsim.mechanisms``) change it. Modules: ``places`` (Geography),
``tables`` (ColumnTable, PersonTable, HouseholdTable), ``members`` (MemberIndex), ``firms``
(FirmTable), ``services`` (ServiceState), ``census`` (Census, take_census), ``flows`` (Flows),
``effects`` (PolicyEffects), ``county`` (CountyState, Clock).
"""
