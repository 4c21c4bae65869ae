curl -X POST 'https://api.notion.com/v1/pages/2e8d8e4e98ab80c5b4a1ef787d32f244/move' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03' \
    -H 'Content-Type: application/json' \
    -d '{
        "parent": {
            "type": "page_id",
            "page_id": "2e8d8e4e98ab80ae9fbef2d0fc4c4fea"
        }
    }'
