//! Host-side bindings of the `liaison:brand` world, one module per supported WIT version.
//! A later `@0.2` gets a module of its own beside this one, and the runtime picks the module
//! that matches the version a package targets, so `@0.1` plugins keep working unchanged.

pub mod v0_1 {
    wasmtime::component::bindgen!({
        world: "brand",
        path: "../../wit",
        // `log`, `now` and `setting` have no error in the contract; over the bound of host
        // calls they trap the guest instead, so every import counts and stops.
        imports: {
            "liaison:brand/host.log": async | trappable,
            "liaison:brand/host.now": async | trappable,
            "liaison:brand/host.setting": async | trappable,
            default: async,
        },
        exports: { default: async },
    });
}

/// `liaison:brand@0.2.0` (`wit/v0.2/brand.wit`): the `@0.1.0` world and the `staff` interface.
/// Its `@0.1.0` parts are the module above (`with`), so the host implements them once and a
/// component of either version gets the same types; only `staff` is new here.
pub mod v0_2 {
    wasmtime::component::bindgen!({
        world: "liaison:brand/brand@0.2.0",
        path: ["../../wit", "../../wit/v0.2"],
        with: {
            "liaison:brand/types@0.1.0": super::v0_1::liaison::brand::types,
            "liaison:brand/host@0.1.0": super::v0_1::liaison::brand::host,
        },
        imports: { default: async },
        exports: { default: async },
    });
}
